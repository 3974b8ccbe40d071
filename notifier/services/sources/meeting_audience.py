"""Changing who a meeting is for after the invitation has gone: its topics and its named invitees.

What a real attendee expects, in one step that never emails anyone twice for the change:
- people the new audience reaches and the old one did not get the invitation (with the calendar file);
- people the old audience reached and the new one does not are told they no longer need to attend
  (`meeting_withdrawn`, whose calendar link now gives them an iTIP CANCEL naming them);
- everyone reached before and after gets nothing: for them nothing changed.

"Reached" is counted as the delivery rows are written: an active subscription to one of the topics
(every frequency, as for all meeting email) or a name on the invitee list, of an active subscriber
whose address is not suppressed, each person once. The check page shows `plan_audience_change`'s
counts; `change_audience` writes exactly those rows, one INSERT ... SELECT per source, and the
(event, subscriber) uniqueness keeps each person to one email even when two sources reach them.
The meeting's SEQUENCE rises, as for any other change. The words sent are the invitation's, which
were approved (on a sign-off network), so a change of audience goes at once; an admin's note to the
people taken off is refused there, as new words would need approval.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import Meeting, Message, Network
from notifier.db.session import UnitOfWork
from notifier.domain.statuses import EventKind, MessageStatus
from notifier.rendering.emails import EmailKind
from notifier.repositories import meetings as meeting_repo
from notifier.repositories.meetings import AudienceIds
from notifier.services.common import audit
from notifier.services.delivery.direct_sends import enqueue_sends
from notifier.services.sources.meeting_rules import MeetingError, refuse_closed
from notifier.services.sources.meetings import (
    Audience,
    SourceDeps,
    add_event,
    archive_meeting,
    audience_ids,
    meeting_context,
    new_message,
)


@dataclass(frozen=True)
class AudienceChange:
    before: AudienceIds
    after: AudienceIds
    invited: int  # people who will get the invitation
    withdrawn: int  # people who will be told they no longer need to attend

    @property
    def topics_added(self) -> list[int]:
        return _only_in(self.after.topic_ids, self.before.topic_ids)

    @property
    def topics_removed(self) -> list[int]:
        return _only_in(self.before.topic_ids, self.after.topic_ids)

    @property
    def invitees_added(self) -> list[int]:
        return _only_in(self.after.invitee_ids, self.before.invitee_ids)

    @property
    def invitees_removed(self) -> list[int]:
        return _only_in(self.before.invitee_ids, self.after.invitee_ids)


def _only_in(these: tuple[int, ...], those: tuple[int, ...]) -> list[int]:
    return sorted(set(these) - set(those))


def plan_audience_change(
    session: Session, network: Network, meeting: Meeting, audience: Audience, *, note: str = ""
) -> AudienceChange:
    """What changing the meeting's audience to `audience` would send, to how many; nothing is written."""
    refuse_closed(meeting, utcnow())
    if network.requires_sign_off and note.strip():
        raise MeetingError(
            "note",
            f"{network.name} requires sign-off, so a note of your own would need a second person's approval: "
            "change who is invited without a note",
        )
    topic_ids, invitee_ids = audience_ids(session, network, audience)
    before = meeting_repo.audience_of(session, meeting)
    after = AudienceIds(tuple(sorted(set(topic_ids))), tuple(sorted(set(invitee_ids))))
    if (set(before.topic_ids), set(before.invitee_ids)) == (set(after.topic_ids), set(after.invitee_ids)):
        raise MeetingError("audience", "nothing has changed: these are the meeting's topics and invitees")
    return AudienceChange(
        before,
        after,
        invited=meeting_repo.count_reached(session, network.id, after, unless=before),
        withdrawn=meeting_repo.count_reached(session, network.id, before, unless=after),
    )


def change_audience(
    uow: UnitOfWork,
    deps: SourceDeps,
    network: Network,
    meeting: Meeting,
    audience: Audience,
    *,
    note: str,
    actor: str,
) -> AudienceChange:
    """Apply the change `plan_audience_change` describes and send its emails (after the commit). The
    invitation's words were approved already; a note of the admin's own to the people taken off would
    be new words, so a network that requires sign-off sends that notice without one."""
    change = plan_audience_change(uow.session, network, meeting, audience, note=note)
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    uow.session.flush()
    # Those leaving are found while the old invitee rows still exist.
    _send(uow, deps, meeting, change, EmailKind.MEETING_WITHDRAWN, note.strip() or None)
    meeting_repo.replace_invitees(uow.session, meeting, change.after.invitee_ids)
    meeting.topic_ids = list(change.after.topic_ids)
    uow.session.flush()
    _send(uow, deps, meeting, change, EmailKind.MEETING, None)
    archive_meeting(uow, deps, meeting, note=None)
    audit.record(
        uow.session, network.id, actor, "meeting.audience", "meeting", meeting.id,
        topics_added=len(change.topics_added), topics_removed=len(change.topics_removed),
        invitees_added=len(change.invitees_added), invitees_removed=len(change.invitees_removed),
        invited=change.invited, withdrawn=change.withdrawn,
    )  # fmt: skip
    return change


def _send(
    uow: UnitOfWork,
    deps: SourceDeps,
    meeting: Meeting,
    change: AudienceChange,
    kind: EmailKind,
    note: str | None,
) -> None:
    """The invitation to those joining (kind `meeting`) or the notice to those leaving: a message for
    the named invitees first (their footer says they were invited), then one per topic added or
    removed; each writes its rows directly and skips anyone the other side still reaches."""
    joining = kind is EmailKind.MEETING
    if not (change.invited if joining else change.withdrawn):
        return
    context = meeting_context(meeting, deps.meeting_links, note)
    event = add_event(
        uow, meeting, EventKind.MEETING, f"meeting:{meeting.id}:{kind.value}:{meeting.sequence}", context
    )
    unless = change.before if joining else change.after
    now, session = utcnow(), uow.session

    def message(topic_id: int | None) -> Message:
        row = new_message(meeting, event, topic_id, kind.value, context, MessageStatus.SENDING)
        session.add(row)
        session.flush()
        return row

    invitees = message(None)
    only = change.invitees_added if joining else None
    written = [
        (
            invitees,
            meeting_repo.insert_invitee_deliveries(
                session, invitees, meeting.id, now, only=only, unless=unless
            ),
        )
    ]
    for topic_id in change.topics_added if joining else change.topics_removed:
        topic = message(topic_id)
        written.append(
            (topic, meeting_repo.insert_topic_deliveries(session, topic, topic_id, now, unless=unless))
        )
    for row, rows in written:
        if rows:
            enqueue_sends(uow, deps.queue, row, deps.chunk_size)
        else:
            session.delete(row)  # nobody through this source: no empty message on the dashboard
    session.flush()
