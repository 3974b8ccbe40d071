"""Announcements with sign-off: draft -> preview and test send -> approval by a second person with
the approver role, signed in to the web admin (when the network requires sign-off) -> scheduled
send, which can be rescheduled or cancelled until it starts. Nobody approves their own announcement,
and no token or command approves at all: `Actor.may_approve` is only ever true of a person signed in.

Every entry point (the web admin, the admin API, the CLI) goes through this path, so the network's
sign-off rule holds wherever an announcement starts. The audit records ids only: who asked (a person
`admin:<id>`, an automation token `token:<id>`, the command line for an admin `cli:<id>`) and who
approved (always a person); the audit log names them (services/common/actor_names.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import Announcement, ContentPage, Meeting, Message, Network
from notifier.db.session import UnitOfWork
from notifier.domain.sources import AnnouncementStatus, MeetingStatus
from notifier.rendering.emails import EmailKind, RenderedEmail
from notifier.repositories import subscribers as subscriber_repo
from notifier.repositories.rows import affected
from notifier.services.common import audit
from notifier.services.common.actors import Actor
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.delivery.email_previews import EmailPreview, render_preview
from notifier.services.sources.announcement_topics import (
    UnknownTopic,
    people_reached,
    store_topics,
    topics_by_slug,
    topics_of,
)
from notifier.services.sources.approval_emails import WaitingEmail, tell_approvers
from notifier.services.sources.meeting_messages import coming_count, start_to_yes_list
from notifier.services.sources.meetings import SourceDeps
from notifier.services.sources.publishing import PublishingError, announce_to_topics, publish_page_again

CANCELLABLE = frozenset(
    {AnnouncementStatus.DRAFT, AnnouncementStatus.AWAITING_APPROVAL, AnnouncementStatus.SCHEDULED}
)
SUBMITTED = frozenset({AnnouncementStatus.AWAITING_APPROVAL, AnnouncementStatus.SCHEDULED})
MEETING_CANCELLED = "is cancelled: there is nobody coming to write to"
PAST_SEND_TIME = "is in the past: give a time to come, or leave it blank to send as soon as possible"


class AnnouncementError(ValueError):
    def __init__(self, field: str, message: str, *, conflict: bool = False, forbidden: bool = False) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.conflict, self.forbidden = field, message, conflict, forbidden


def create_draft(
    uow: UnitOfWork,
    network: Network,
    author: Actor,
    *,
    topic_slug: str | Sequence[str],
    subject: str,
    body: str,
) -> Announcement:
    """A draft by a person, an automation token or the command line (for the admin it names), to the
    subscribers of one topic or of several (each reader once)."""
    return new_draft(
        uow, network, author, subject, body, topic_ids=chosen_topic_ids(uow.session, network, topic_slug)
    )


def chosen_topic_ids(session: Session, network: Network, slugs: str | Sequence[str]) -> list[int]:
    try:
        topics = topics_by_slug(session, network, [slugs] if isinstance(slugs, str) else slugs)
    except UnknownTopic as exc:
        raise AnnouncementError("topic", f"{network.slug} has no topic called {exc.slug!r}") from exc
    if not topics:
        raise AnnouncementError("topic", "choose at least one topic")
    return [t.id for t in topics]


def check_words(subject: str, body: str) -> tuple[str, str]:
    """The subject on one line and the body trimmed, or the field that is empty or too long."""
    subject = " ".join(subject.split())
    if not subject:
        raise AnnouncementError("subject", "give a subject")
    if len(subject) > 300:
        raise AnnouncementError("subject", "give a subject of at most 300 characters")
    if not body.strip() or len(body) > 50_000:
        raise AnnouncementError("body", "give a body of 1 to 50,000 characters")
    return subject, body.strip()


def new_draft(
    uow: UnitOfWork,
    network: Network,
    author: Actor,
    subject: str,
    body: str,
    *,
    topic_ids: Sequence[int] = (),
    meeting_id: int | None = None,
    content_page_id: int | None = None,
) -> Announcement:
    """A draft to topics' subscribers or to a meeting's Yes list (exactly one of the two)."""
    subject, body = check_words(subject, body)
    now = utcnow()
    announcement = Announcement(
        network_id=network.id,
        topic_id=topic_ids[0] if topic_ids else None,
        meeting_id=meeting_id,
        content_page_id=content_page_id,
        subject=subject,
        body=body,
        status=AnnouncementStatus.DRAFT,
        author_token_id=author.token_id,
        author_admin_id=author.person_id,
        asked_by=author.audit_name,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(announcement)
    uow.session.flush()
    store_topics(uow.session, announcement, topic_ids)
    _audit(uow.session, announcement, author, "announcement.create")
    return announcement


def message_the_yes_list(
    uow: UnitOfWork,
    deps: SourceDeps,
    network: Network,
    meeting: Meeting,
    author: Actor,
    *,
    subject: str,
    body: str,
) -> Announcement:
    """A message to the people coming to the meeting (meeting_messages.py), submitted at once: it
    waits for a second person's approval on a network that requires sign-off, else it starts now."""
    if meeting.status is MeetingStatus.CANCELLED:
        raise AnnouncementError("meeting", MEETING_CANCELLED, conflict=True)
    announcement = new_draft(uow, network, author, subject, body, meeting_id=meeting.id)
    submit(uow, deps, network, announcement, author, send_at=None)
    if announcement.status is AnnouncementStatus.SCHEDULED:
        uow.session.flush()
        _claim_and_start(uow, deps, announcement, utcnow())
    return announcement


def email_of(session: Session, network: Network, announcement: Announcement) -> EmailPreview:
    """The email the announcement will be: the context its message will store (a known page sent on
    purpose is that page's own email; a message to a meeting's Yes list names the meeting)."""
    page = _page(session, announcement)
    if announcement.meeting_id is not None:
        meeting = session.get_one(Meeting, announcement.meeting_id)
        context = {"subject": announcement.subject, "body": announcement.body, "attending": meeting.title}
        return EmailPreview(EmailKind.ANNOUNCEMENT, context, None)
    topics = topics_of(session, announcement)
    topic_name = " and ".join(t.name for t in topics) if topics else network.name
    if page is not None and page.email:
        return EmailPreview(EmailKind.CONTENT, dict(page.email), topic_name)
    context = {"subject": announcement.subject, "body": announcement.body}
    return EmailPreview(EmailKind.ANNOUNCEMENT, context, topic_name)


def _page(session: Session, announcement: Announcement) -> ContentPage | None:
    return session.get(ContentPage, announcement.content_page_id) if announcement.content_page_id else None


def preview(
    session: Session, network: Network, announcement: Announcement, public_base_url: str
) -> RenderedEmail:
    """The email as a subscriber of the topic will get it (with a sample footer)."""
    return render_preview(network, email_of(session, network, announcement), public_base_url)


def audience(session: Session, announcement: Announcement) -> int:
    """How many people it reaches now: those coming to its meeting, or, counted by fan-out's own query,
    each reader of its topics once (announcements are urgent, so digest readers get them at once too; a
    known page sent on purpose is content, for those who get each email as it comes)."""
    if announcement.meeting_id is not None:
        return coming_count(session, session.get_one(Meeting, announcement.meeting_id))
    return people_reached(session, announcement)


def send_test_email(
    uow: UnitOfWork, deps: SourceDeps, network: Network, announcement: Announcement, sender: Actor
) -> Message:
    """Send the email to the sender alone, on the fast lane; they must be a subscriber."""
    if announcement.status not in CANCELLABLE:
        raise AnnouncementError("announcement", f"is {announcement.status.value}", conflict=True)
    holder = (
        subscriber_repo.get_subscriber_by_email(uow.session, network.id, sender.test_address)
        if sender.test_address
        else None
    )
    if holder is None:
        raise AnnouncementError(
            "token", "the token holder's address is not a subscriber of this network", conflict=True
        )
    message = queue_one_email(
        uow,
        deps.queue,
        holder,
        EmailKind.ANNOUNCEMENT,
        {"subject": f"[Test] {announcement.subject}", "body": announcement.body, "test_send": True},
        now=utcnow(),
    )
    _audit(uow.session, announcement, sender, "announcement.test_send", message_id=message.id)
    return message


def submit(
    uow: UnitOfWork,
    deps: SourceDeps,
    network: Network,
    announcement: Announcement,
    actor: Actor,
    *,
    send_at: datetime | None,
) -> Announcement:
    """Awaiting approval on a network that requires sign-off (the people who may approve are told by
    email), else scheduled for `send_at` (or now)."""
    if announcement.status is not AnnouncementStatus.DRAFT:
        raise AnnouncementError("announcement", f"is {announcement.status.value}, not a draft", conflict=True)
    if send_at is not None and send_at <= utcnow():
        raise AnnouncementError("send_at", PAST_SEND_TIME)
    _refuse_a_cancelled_meeting(uow.session, announcement)
    # Conditional on the row still being a draft, so a cancel committed meanwhile is not undone.
    waits = network.requires_sign_off
    _move(uow.session, announcement, AnnouncementStatus.DRAFT, send_at=send_at or utcnow(),
          status=AnnouncementStatus.AWAITING_APPROVAL if waits else AnnouncementStatus.SCHEDULED)  # fmt: skip
    _audit(uow.session, announcement, actor, "announcement.submit")
    if waits:
        waiting = WaitingEmail(
            "Announcement", announcement.subject, email_of(uow.session, network, announcement),
            audience(uow.session, announcement), f"/admin/{network.slug}/announcements/{announcement.id}",
        )  # fmt: skip
        tell_approvers(uow, deps.queue, network, waiting, actor, deps.meeting_links.public_base_url)
    return announcement


def approve(uow: UnitOfWork, announcement: Announcement, approver: Actor) -> Announcement:
    """Only a person signed in to the web admin with the approver or admin role, who did not write it."""
    if not approver.signed_in:
        raise AnnouncementError(
            "approver",
            "approvals are made by people signed in to the web admin, never by a token or the command line",
            forbidden=True,
        )
    if not approver.may_approve:
        raise AnnouncementError("approver", "approving needs the approver or admin role", forbidden=True)
    if announcement.status is not AnnouncementStatus.AWAITING_APPROVAL:
        raise AnnouncementError(
            "announcement", f"is {announcement.status.value}, not awaiting approval", conflict=True
        )
    if approver.same_person(announcement.author_admin_id):
        raise AnnouncementError(
            "approver", "a second person must approve: nobody approves their own", forbidden=True
        )
    _move(uow.session, announcement, AnnouncementStatus.AWAITING_APPROVAL,
          status=AnnouncementStatus.SCHEDULED, approved_by_admin_id=approver.person_id)  # fmt: skip
    _audit(uow.session, announcement, approver, "announcement.approve", asked_by=asker_of(announcement))
    return announcement


def _move(
    session: Session, announcement: Announcement, expected: AnnouncementStatus, **values: object
) -> None:
    """One conditional UPDATE from `expected`: a cancel (or another approval) committed since the row
    was read wins, and this one is refused (409) instead of bringing the announcement back."""
    moved = session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id, Announcement.status == expected)
        .values(updated_at=utcnow(), **values)
    )
    if affected(moved) != 1:
        session.refresh(announcement)
        raise AnnouncementError(
            "announcement", f"is {announcement.status.value} now: it changed meanwhile", conflict=True
        )
    session.refresh(announcement)


def _to_a_cancelled_meeting(session: Session, announcement: Announcement) -> bool:
    """A message to the Yes list of a meeting cancelled since (a copy of one, say): it never goes."""
    if announcement.meeting_id is None:
        return False
    return session.get_one(Meeting, announcement.meeting_id).status is MeetingStatus.CANCELLED


def _refuse_a_cancelled_meeting(session: Session, announcement: Announcement) -> None:
    if _to_a_cancelled_meeting(session, announcement):
        raise AnnouncementError("meeting", MEETING_CANCELLED, conflict=True)


def asker_of(announcement: Announcement) -> str:
    """The audit actor who wrote it (for one written before 0022: its token, else the person)."""
    if announcement.asked_by:
        return announcement.asked_by
    if announcement.author_token_id is not None:
        return audit.token_actor(announcement.author_token_id)
    if announcement.author_admin_id is not None:
        return audit.admin_actor(announcement.author_admin_id)
    return audit.CLI_ACTOR


def reschedule(
    uow: UnitOfWork,
    network: Network,
    announcement: Announcement,
    actor: Actor,
    *,
    send_at: datetime | None,
) -> Announcement:
    """A new send time (None: as soon as possible) for a submitted announcement, until its send starts.

    Only the time changes, never the words, so an approval stands when a person who may approve it
    (signed in, approver or admin, not its author) moves it. When anyone else moves an approved
    announcement on a network that requires sign-off, it goes back for approval: the approver agreed
    to a time as well as the words. A conditional UPDATE, so it cannot race the scheduler, a cancel or
    an approval.
    """
    if announcement.status not in SUBMITTED:
        raise AnnouncementError(
            "announcement",
            f"is {announcement.status.value}: only a submitted one can be rescheduled",
            conflict=True,
        )
    now = utcnow()
    if send_at is not None and send_at <= now:
        raise AnnouncementError("send_at", PAST_SEND_TIME)
    if send_at is not None and send_at == announcement.send_at:
        raise AnnouncementError("send_at", "is the time it is already due to send")
    before, status = announcement.send_at, announcement.status
    approval = _approval_after_reschedule(network, announcement, actor)
    moved = uow.session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id, Announcement.status == status)
        .values(
            send_at=send_at or now,
            status=AnnouncementStatus.AWAITING_APPROVAL if approval == "withdrawn" else status,
            approved_by_admin_id=None if approval == "withdrawn" else announcement.approved_by_admin_id,
            updated_at=now,
        )
    )
    if affected(moved) != 1:
        raise AnnouncementError(
            "announcement", "has started sending or changed meanwhile: nothing was rescheduled", conflict=True
        )
    uow.session.refresh(announcement)
    _audit(
        uow.session, announcement, actor, "announcement.reschedule",
        send_at_before=before.isoformat() if before else "", send_at=(send_at or now).isoformat(),
        approval=approval,
    )  # fmt: skip
    return announcement


def _approval_after_reschedule(network: Network, announcement: Announcement, actor: Actor) -> str:
    """What becomes of the sign-off: "awaiting" (none yet), "kept", "withdrawn" or "not_required"."""
    if announcement.status is AnnouncementStatus.AWAITING_APPROVAL:
        return "awaiting"
    if not network.requires_sign_off:
        return "not_required"
    return (
        "kept" if actor.may_approve and not actor.same_person(announcement.author_admin_id) else "withdrawn"
    )


def queue_from_cli(
    uow: UnitOfWork,
    deps: SourceDeps,
    network: Network,
    actor: Actor,
    *,
    topic_slug: str,
    subject: str,
    body: str,
) -> Announcement:
    """`notifier announce`: the same draft -> (approval) -> schedule path as the admin API, for the
    admin the command names.

    On a network that requires sign-off the announcement waits for someone else to approve it in the
    web admin and nothing is sent; otherwise it starts at once and `message_id` is set.
    """
    announcement = create_draft(uow, network, actor, topic_slug=topic_slug, subject=subject, body=body)
    submit(uow, deps, network, announcement, actor, send_at=None)
    if announcement.status is AnnouncementStatus.SCHEDULED:
        uow.session.flush()
        _claim_and_start(uow, deps, announcement, utcnow())
    return announcement


def cancel(uow: UnitOfWork, announcement: Announcement, actor: Actor) -> Announcement:
    """Cancelled until its send starts (a conditional update, so it cannot race the scheduler)."""
    moved = uow.session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id, Announcement.status.in_(CANCELLABLE))
        .values(status=AnnouncementStatus.CANCELLED, updated_at=utcnow())
    )
    if affected(moved) != 1:
        raise AnnouncementError(
            "announcement", "has started sending; cancel its message instead", conflict=True
        )
    uow.session.refresh(announcement)
    _audit(uow.session, announcement, actor, "announcement.cancel")
    return announcement


def send_due(uow: UnitOfWork, deps: SourceDeps, now: datetime) -> list[int]:
    """Start every scheduled announcement whose time has come; each exactly once (the caller's unit of
    work commits the claims and messages together; the enqueues follow that commit)."""
    started = []
    due = uow.session.scalars(
        select(Announcement)
        .where(Announcement.status == AnnouncementStatus.SCHEDULED, Announcement.send_at <= now)
        .order_by(Announcement.id)
    ).all()
    for announcement in due:
        if _claim_and_start(uow, deps, announcement, now):
            started.append(announcement.id)
    return started


def _claim_and_start(uow: UnitOfWork, deps: SourceDeps, announcement: Announcement, now: datetime) -> bool:
    if _meeting_cancelled_since(uow, announcement, now):
        return False
    claimed = uow.session.execute(
        update(Announcement)
        .where(
            Announcement.id == announcement.id,
            Announcement.status == AnnouncementStatus.SCHEDULED,
            Announcement.send_at <= now,  # still due: a reschedule may have moved it since it was read
        )
        .values(status=AnnouncementStatus.SENT, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if affected(claimed) != 1:
        return False
    announcement.status = AnnouncementStatus.SENT
    announcement.message_id = _start(uow, deps, announcement)
    return True


def _meeting_cancelled_since(uow: UnitOfWork, announcement: Announcement, now: datetime) -> bool:
    """A message to a meeting's Yes list that came due after the meeting was cancelled is cancelled
    instead of sent (audited as the scheduler's)."""
    if not _to_a_cancelled_meeting(uow.session, announcement):
        return False
    withdrawn = uow.session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id, Announcement.status == AnnouncementStatus.SCHEDULED)
        .values(status=AnnouncementStatus.CANCELLED, updated_at=now)
    )
    if affected(withdrawn) == 1:
        uow.session.refresh(announcement)
        audit.record(uow.session, announcement.network_id, "scheduler", "announcement.cancel", "announcement",
                     announcement.id, reason="meeting_cancelled")  # fmt: skip
    return True


def _start(uow: UnitOfWork, deps: SourceDeps, announcement: Announcement) -> int:
    network = uow.session.get_one(Network, announcement.network_id)
    if announcement.meeting_id is not None:
        message = start_to_yes_list(uow, deps, announcement)
    else:
        message = _start_to_topic(uow, deps, network, announcement)
    audit.record(
        uow.session,
        network.id,
        "scheduler",
        "announcement.send",
        "announcement",
        announcement.id,
        message_id=message.id,
        asked_by=asker_of(announcement),
        approved_by=(
            audit.admin_actor(announcement.approved_by_admin_id)
            if announcement.approved_by_admin_id
            else None
        ),
        sign_off_required=network.requires_sign_off,
    )
    return message.id


def _start_to_topic(
    uow: UnitOfWork, deps: SourceDeps, network: Network, announcement: Announcement
) -> Message:
    topics = topics_of(uow.session, announcement)
    if not topics:
        raise PublishingError("topic: the announcement's topics no longer exist")
    page = _page(uow.session, announcement)
    if page is not None and page.email:  # a known page of the site, sent on purpose
        key = f"content:{page.url}#{page.revision}#announcement:{announcement.id}"
        return publish_page_again(uow, deps.queue, topics, page.email, source_key=key)[0]
    return announce_to_topics(
        uow,
        deps.queue,
        network,
        topics,
        subject=announcement.subject,
        body=announcement.body,
        source_key=f"announcement:{announcement.id}",
    )[0]


def _audit(
    session: Session, announcement: Announcement, actor: Actor, action: str, **detail: int | str
) -> None:
    audit.record(
        session, announcement.network_id, actor.audit_name, action, "announcement", announcement.id, **detail
    )
