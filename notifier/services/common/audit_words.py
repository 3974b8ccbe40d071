"""What an audit record says, in words, for the audit log and a request's history: "Priya Shah
(approver) approved the announcement “Summer party”", the thing touched linked to its page. Records
hold ids only; names and titles are looked up as they are read, so someone erased is "a removed
subscriber" and an admin no longer on record "a former admin"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from notifier.db.models import (
    AdminMember,
    Announcement,
    ApiToken,
    ApprovalRequest,
    ArchiveItem,
    Meeting,
    Subscriber,
    Topic,
)

# {who} did {thing}: each action's sentence. An action not listed is said by its own words.
PHRASES = {
    "announcement.create": "{who} wrote {thing}",
    "announcement.submit": "{who} submitted {thing} for approval",
    "announcement.approve": "{who} approved {thing}",
    "announcement.cancel": "{who} cancelled {thing}",
    "announcement.reschedule": "{who} changed when {thing} is sent",
    "announcement.test_send": "{who} sent themselves a test of {thing}",
    "announcement.send": "{thing} went out",
    "announcement.edit": "{who} changed the draft of {thing}",
    "announcement.copy": "{who} copied an announcement into {thing}",
    "event.create": "{who} sent a page through the admin API",
    "message.cancel": "{who} cancelled the rest of a send",
    "site.connect": "{who} connected the network's site",
    "site.connect_requested": "{who} asked to connect the network's site",
    "site.fields": "{who} changed which front matter fields the site's pages use",
    "site.routing": "{who} changed which topics the site's pages go to",
    "notify_service.checked": "{who} checked the network's Notify service",
    "notify_service.cleared": "{who} removed the network's own Notify service",
    "access_review_sent": "{who} sent the admins the quarterly access review",
    "archive.feed_made": "{who} made a private feed of the archive",
    "archive.feed_revoked": "{who} turned off their private feed of the archive",
    "archive.settings": "{who} changed what archive readers may see",
    "archive.sign_in_link_sent": "{who} was sent a link to read the archive",
    "archive.sign_in_refused": "{who} asked to read the archive and was not sent a link",
    "archive.sign_in_failed": "{who} tried an archive sign-in link that did not work",
    "archive.signed_in": "{who} signed in to read the archive",
    "archive.signed_out": "{who} signed out of the archive",
    "sign_in_refused": "{who} asked for an admin sign-in link and was not sent one",
    "sign_in_failed": "{who} tried an admin sign-in link that did not work",
    "import_refused": "{who} tried to import a file that had mistakes: nothing was stored",
    "meeting_organiser_changed": "{who} changed the address meeting invitations come from",
    "notify_service.set": "{who} set the network's own Notify service",
    "retention_rule_shortened": "{who} shortened how long data is kept",
    "admin_term_end_refused": "{who} could not end the term of {thing}: the team would be too small",
    "approval.ask": "{who} asked for approval of {thing}",
    "approval.approve": "{who} approved {thing}",
    "approval.decline": "{who} declined {thing}",
    "approval.withdraw": "{who} withdrew {thing}",
    "meeting.create": "{who} arranged {thing}",
    "meeting.invite": "{who} sent the invitation to {thing}",
    "meeting.update": "{who} changed {thing}",
    "meeting.cancel": "{who} cancelled {thing}",
    "meeting.minutes": "{who} published the minutes of {thing}",
    "meeting.audience": "{who} changed who is invited to {thing}",
    "meeting.answer_rules": "{who} changed how {thing} takes answers",
    "meeting.answers_exported": "{who} downloaded the answers to {thing}",
    "admin_invited": "{who} invited {thing} to the team",
    "admin_removed": "{who} removed {thing} from the team",
    "admin_role_changed": "{who} changed the role of {thing}",
    "admin_suspended": "{who} suspended {thing}",
    "admin_reinstated": "{who} reinstated {thing}",
    "admin_term_set": "{who} set the end of the term of {thing}",
    "admin_term_reminded": "{who} reminded {thing} that their term ends soon",
    "admin_access_confirmed": "{who} confirmed that {thing} keeps their role",
    "admin_alerted": "{who} alerted {thing}",
    "signed_in": "{who} signed in",
    "signed_out": "{who} signed out",
    "sign_in_link_sent": "{who} was sent a sign-in link",
    "person_added": "{who} added {thing}",
    "person_removed": "{who} removed {thing} and their data",
    "person_viewed": "{who} looked at the record of {thing}",
    "people_imported": "{who} imported people into {thing}",
    "people_added_to_topic": "{who} added people to {thing}",
    "people_taken_off_topic": "{who} took people off {thing}",
    "people_exported": "{who} downloaded the members list",
    "team_exported": "{who} downloaded the team list",
    "audit_exported": "{who} downloaded the audit log",
    "retention_evidence_exported": "{who} downloaded the retention evidence",
    "data_request.received": "{who} made {thing}",
    "data_request.verified": "{who} verified {thing}",
    "data_request.verified_by_admin": "{who} checked another way that {thing} is the person's",
    "data_request.exported": "{who} downloaded the data for {thing}",
    "data_request.completed": "{who} completed {thing}",
    "data_request.erase_now": "{who} erased the person of {thing}",
    "data_request.awaiting_notify": "{who} erased the person of {thing} (Notify's copy expires later)",
    "data_request.expired": "{thing} expired: it was never confirmed",
    "enquiry_viewed": "{who} read {thing}",
    "enquiry_closed": "{who} closed {thing}",
    "token.create": "{who} made {thing}",
    "token_created": "{who} made {thing}",
    "token.revoke": "{who} revoked {thing}",
    "token_revoked": "{who} revoked {thing}",
    "topic_created": "{who} created {thing}",
    "archive.withdraw": "{who} withdrew {thing} from the archive",
    "archive.restore": "{who} put {thing} back in the archive",
    "network.sign_off": "{who} changed the sign-off setting",
    "network.branding": "{who} changed the branding",
    "privacy_notice_changed": "{who} changed the privacy notice",
    "email_domains_changed": "{who} changed the allowed email domains",
    "steering_group_address_changed": "{who} changed the steering group's address",
    "hook_secret_rotated": "{who} made a new secret for the publish hook",
}
AT_ONCE = {
    "time_change_at_once": "sent at once without approval: a change of time alone",
    "cancellation_at_once": "sent at once without approval: a cancellation without a note",
    "awaiting": "waiting for a second person's approval",
    "never_approved": "nothing was sent: it was never approved",
}
ROLE_WORDS = {"editor": "an editor", "approver": "an approver", "admin": "an admin"}


# object_type: (its model, or None for a bare id; its words; its page; words when no longer held)
KNOWN: dict[str, tuple[Any, str, str, str]] = {
    "announcement": (Announcement, "the announcement “{row.subject}”", "/announcements/{id}",
                     "an announcement no longer held"),
    "meeting": (Meeting, "the meeting “{row.title}”", "/meetings/{id}", "a meeting no longer held"),
    "subscriber": (Subscriber, "{row.name}", "/people/{id}", "a removed subscriber"),
    "topic": (Topic, "the topic “{row.name}”", "", "a topic no longer held"),
    "api_token": (ApiToken, "the admin API token “{row.label}”", "/settings", "an API token"),
    "archive_item": (ArchiveItem, "“{row.title}”", "/archive", "an archived email"),
    "data_request": (None, "data-subject request {id}", "/requests/{id}", ""),
    "contact_enquiry": (None, "an enquiry from the contact form", "/enquiries/{id}", ""),
    "network": (None, "the network's settings", "/settings", ""),
}  # fmt: skip


@dataclass(frozen=True)
class Part:
    """A piece of a sentence; `path` (under the network's admin pages) makes it a link."""

    text: str
    path: str = ""


@dataclass
class Things:
    """Names and titles of one network's records, each looked up once."""

    session: Session
    network_id: int
    _seen: dict[tuple[str, int], Part] = field(default_factory=dict)

    def part(self, object_type: str, object_id: int | None) -> Part:
        if object_id is None:
            return Part(object_type.replace("_", " "))
        key = (object_type, object_id)
        if key not in self._seen:
            self._seen[key] = self._look_up(object_type, object_id)
        return self._seen[key]

    def _row(self, model: Any, object_id: int) -> Any:
        row = self.session.get(model, object_id)
        return row if row is not None and row.network_id == self.network_id else None

    def _look_up(self, object_type: str, object_id: int) -> Part:
        if object_type == "admin_member":
            row = self._row(AdminMember, object_id)
            person = self.session.get(Subscriber, row.subscriber_id) if row else None
            return Part(person.name, "/team") if person else Part("a former admin")
        if object_type == "approval_request":
            asked = self._row(ApprovalRequest, object_id)
            if asked is None:
                return Part("a request for approval")
            return Part(f"the {asked.kind.label.lower()} “{asked.title}”", f"/approvals/{object_id}")
        if object_type in KNOWN:
            model, words, path, gone = KNOWN[object_type]
            row = self._row(model, object_id) if model else None
            if model and row is None:
                return Part(gone)
            return Part(words.format(row=row, id=object_id), path.format(id=object_id))
        return Part(f"{object_type.replace('_', ' ')} {object_id}")


def sentence(phrase: str, who: str, thing: Part) -> list[Part]:
    parts = []
    for piece in re.split(r"(\{who\}|\{thing\})", phrase):
        if piece == "{who}":
            parts.append(Part(who))
        elif piece == "{thing}":
            parts.append(thing)
        elif piece:
            parts.append(Part(piece))
    if parts and parts[0].text and not parts[0].path:  # a sentence starts with a capital
        parts[0] = Part(parts[0].text[:1].upper() + parts[0].text[1:])
    return parts


def unlisted(action: str) -> str:
    """An action with no sentence of its own, in its own words ("admin_term_end_refused": "admin term
    end refused")."""
    return "{who}: " + re.sub(r"[._]", " ", action) + " ({thing})"


def more(detail: dict[str, Any], actor_name: Any) -> str:
    """What the record's detail adds, in words."""
    words = []
    if detail.get("asked_by"):
        words.append(f"asked by {actor_name(detail['asked_by'])}")
    if detail.get("approved_by"):
        words.append(f"approved by {actor_name(detail['approved_by'])}")
    if detail.get("sign_off") in AT_ONCE:
        words.append(AT_ONCE[detail["sign_off"]])
    if detail.get("held_override"):
        words.append(
            f"although the meeting {detail.get('not_held') or 'had not ended'}: they said it took place"
        )
    if detail.get("before") in ROLE_WORDS and detail.get("after") in ROLE_WORDS:
        words.append(f"from {ROLE_WORDS[detail['before']]} to {ROLE_WORDS[detail['after']]}")
    elif detail.get("role") in ROLE_WORDS:
        words.append(f"as {ROLE_WORDS[detail['role']]}")
    if detail.get("reason") == "term_ended":
        words.append("their term had ended")
    if isinstance(detail.get("added"), int):
        words.append(f"{detail['added']} added")
    return f" ({'; '.join(words)})" if words else ""


def action_label(action: str) -> str:
    """An action as the log's filter lists it: "Approved the announcement", "Signed in"."""
    phrase = PHRASES.get(action)
    if phrase is None:
        return re.sub(r"[._]", " ", action).capitalize()
    noun = action.partition(".")[0].replace("_", " ") if "." in action else "something"
    words = phrase.replace("{who} ", "").replace("{thing}", f"the {noun}" if "." in action else noun)
    return words[:1].upper() + words[1:]
