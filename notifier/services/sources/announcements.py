"""Announcements with sign-off: draft -> preview and test send -> approval by a second person with
the approver role (when the network requires sign-off) -> scheduled send, which can be rescheduled
or cancelled until it starts. Nobody approves their own announcement: not with the same token, nor
another of theirs.

Every entry point (admin API, CLI, later the admin web) goes through this path, so the network's
sign-off rule holds wherever an announcement starts, and the audit record of each send names who
asked for it and who approved it: a web admin as `admin:<id>` (through their acting token), an API
token as `token:<id>`, the CLI as `cli`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import Announcement, ApiToken, ContentPage, Meeting, Message, Network
from notifier.db.session import UnitOfWork
from notifier.domain.sources import AdminRole, AnnouncementStatus, MeetingStatus
from notifier.rendering.contexts import AnnouncementEmail, Footer, FooterReason
from notifier.rendering.emails import EmailKind, RenderedEmail, render_email
from notifier.repositories import networks as network_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.repositories.rows import affected
from notifier.services.common import audit
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.delivery.emails import CONTEXT_BUILDERS
from notifier.services.sources.meeting_messages import start_to_yes_list
from notifier.services.sources.meetings import SourceDeps
from notifier.services.sources.publishing import PublishingError, announce, publish_page_again

CANCELLABLE = frozenset(
    {AnnouncementStatus.DRAFT, AnnouncementStatus.AWAITING_APPROVAL, AnnouncementStatus.SCHEDULED}
)
SUBMITTED = frozenset({AnnouncementStatus.AWAITING_APPROVAL, AnnouncementStatus.SCHEDULED})


class AnnouncementError(ValueError):
    def __init__(self, field: str, message: str, *, conflict: bool = False, forbidden: bool = False) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.conflict, self.forbidden = field, message, conflict, forbidden


def create_draft(
    uow: UnitOfWork, network: Network, author: ApiToken | None, *, topic_slug: str, subject: str, body: str
) -> Announcement:
    """A draft by a token holder, or by the CLI (`author=None`, audited as the CLI)."""
    topic = network_repo.get_topic_by_slug(uow.session, network.id, topic_slug)
    if topic is None:
        raise AnnouncementError("topic", f"{network.slug} has no topic called {topic_slug!r}")
    return _draft(uow, network, author, subject, body, topic_id=topic.id)


def _draft(
    uow: UnitOfWork,
    network: Network,
    author: ApiToken | None,
    subject: str,
    body: str,
    *,
    topic_id: int | None = None,
    meeting_id: int | None = None,
) -> Announcement:
    """A draft to a topic's subscribers or to a meeting's Yes list (exactly one of the two)."""
    subject = " ".join(subject.split())
    if not subject or len(subject) > 300:
        raise AnnouncementError("subject", "give a subject of 1 to 300 characters")
    if not body.strip() or len(body) > 50_000:
        raise AnnouncementError("body", "give a body of 1 to 50,000 characters")
    now = utcnow()
    announcement = Announcement(
        network_id=network.id,
        topic_id=topic_id,
        meeting_id=meeting_id,
        subject=subject,
        body=body.strip(),
        status=AnnouncementStatus.DRAFT,
        author_token_id=author.id if author else None,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(announcement)
    uow.session.flush()
    _audit(uow.session, announcement, author, "announcement.create")
    return announcement


def message_the_yes_list(
    uow: UnitOfWork,
    deps: SourceDeps,
    network: Network,
    meeting: Meeting,
    author: ApiToken,
    *,
    subject: str,
    body: str,
) -> Announcement:
    """A message to the people coming to the meeting (meeting_messages.py), submitted at once: it
    waits for a second person's approval on a network that requires sign-off, else it starts now."""
    if meeting.status is MeetingStatus.CANCELLED:
        raise AnnouncementError("meeting", "is cancelled: there is nobody coming to write to", conflict=True)
    announcement = _draft(uow, network, author, subject, body, meeting_id=meeting.id)
    submit(uow, network, announcement, author, send_at=None)
    if announcement.status is AnnouncementStatus.SCHEDULED:
        uow.session.flush()
        _claim_and_start(uow, deps, announcement, utcnow())
    return announcement


def preview(
    session: Session, network: Network, announcement: Announcement, public_base_url: str
) -> RenderedEmail:
    """The email as a subscriber of the topic will get it (with a sample footer)."""
    topic = network_repo.get_topic(session, network.id, announcement.topic_id or 0)
    meeting = session.get(Meeting, announcement.meeting_id) if announcement.meeting_id else None
    sample = f"{public_base_url.rstrip('/')}/preview"
    footer = Footer(
        network_name=network.name,
        topic_name=topic.name if topic else network.name,
        manage_url=sample,
        unsubscribe_url=sample,
        privacy_notice_url=network.privacy_notice_url,
        reason=FooterReason.ATTENDEE if meeting else FooterReason.TOPIC,
        meeting_title=meeting.title if meeting else "",
    )
    origins = (network.site_url, public_base_url)
    page = session.get(ContentPage, announcement.content_page_id) if announcement.content_page_id else None
    if page is not None and page.email:  # a known page sent on purpose: its own email
        return render_email(
            EmailKind.CONTENT,
            CONTEXT_BUILDERS[EmailKind.CONTENT](page.email, network, footer),
            allowed_origins=origins,
        )
    context = AnnouncementEmail(
        network_name=network.name, subject=announcement.subject, body=announcement.body, footer=footer
    )
    return render_email(EmailKind.ANNOUNCEMENT, context, allowed_origins=origins)


def send_test_email(
    uow: UnitOfWork, deps: SourceDeps, network: Network, announcement: Announcement, sender: ApiToken
) -> Message:
    """Send the email to the token holder alone, on the fast lane; they must be a subscriber."""
    if announcement.status not in CANCELLABLE:
        raise AnnouncementError("announcement", f"is {announcement.status.value}", conflict=True)
    holder = subscriber_repo.get_subscriber_by_email(uow.session, network.id, sender.holder_email)
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
    network: Network,
    announcement: Announcement,
    token: ApiToken | None,
    *,
    send_at: datetime | None,
) -> Announcement:
    """Awaiting approval on a network that requires sign-off, else scheduled for `send_at` (or now)."""
    if announcement.status is not AnnouncementStatus.DRAFT:
        raise AnnouncementError("announcement", f"is {announcement.status.value}, not a draft", conflict=True)
    announcement.send_at = send_at or utcnow()
    announcement.status = (
        AnnouncementStatus.AWAITING_APPROVAL if network.requires_sign_off else AnnouncementStatus.SCHEDULED
    )
    announcement.updated_at = utcnow()
    _audit(uow.session, announcement, token, "announcement.submit")
    return announcement


def approve(uow: UnitOfWork, announcement: Announcement, approver: ApiToken) -> Announcement:
    if not approver.role.allows(AdminRole.APPROVER):
        raise AnnouncementError("token", "approving needs the approver or admin role", forbidden=True)
    if announcement.status is not AnnouncementStatus.AWAITING_APPROVAL:
        raise AnnouncementError(
            "announcement", f"is {announcement.status.value}, not awaiting approval", conflict=True
        )
    author = _token(uow.session, announcement.author_token_id)
    if author is not None and (author.id == approver.id or author.holder_email == approver.holder_email):
        raise AnnouncementError(
            "token", "a second person must approve: nobody approves their own", forbidden=True
        )
    announcement.status = AnnouncementStatus.SCHEDULED
    announcement.approver_token_id = approver.id
    announcement.updated_at = utcnow()
    _audit(uow.session, announcement, approver, "announcement.approve")
    return announcement


def reschedule(
    uow: UnitOfWork,
    network: Network,
    announcement: Announcement,
    token: ApiToken,
    *,
    send_at: datetime | None,
) -> Announcement:
    """A new send time (None: as soon as possible) for a submitted announcement, until its send starts.

    Only the time changes, never the words, so an approval stands when someone with the approver or
    admin role moves it. When an editor moves an approved announcement on a network that requires
    sign-off, it goes back for approval: the approver agreed to a time as well as the words. A
    conditional UPDATE, so it cannot race the scheduler, a cancel or an approval.
    """
    if announcement.status not in SUBMITTED:
        raise AnnouncementError(
            "announcement",
            f"is {announcement.status.value}: only a submitted one can be rescheduled",
            conflict=True,
        )
    now = utcnow()
    if send_at is not None and send_at <= now:
        raise AnnouncementError(
            "send_at", "is in the past: give a time to come, or leave it blank to send as soon as possible"
        )
    if send_at is not None and send_at == announcement.send_at:
        raise AnnouncementError("send_at", "is the time it is already due to send")
    before, status = announcement.send_at, announcement.status
    approval = _approval_after_reschedule(network, announcement, token)
    moved = uow.session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id, Announcement.status == status)
        .values(
            send_at=send_at or now,
            status=AnnouncementStatus.AWAITING_APPROVAL if approval == "withdrawn" else status,
            approver_token_id=None if approval == "withdrawn" else announcement.approver_token_id,
            updated_at=now,
        )
    )
    if affected(moved) != 1:
        raise AnnouncementError(
            "announcement", "has started sending or changed meanwhile: nothing was rescheduled", conflict=True
        )
    uow.session.refresh(announcement)
    _audit(
        uow.session, announcement, token, "announcement.reschedule",
        send_at_before=before.isoformat() if before else "", send_at=(send_at or now).isoformat(),
        approval=approval,
    )  # fmt: skip
    return announcement


def _approval_after_reschedule(network: Network, announcement: Announcement, token: ApiToken) -> str:
    """What becomes of the sign-off: "awaiting" (none yet), "kept", "withdrawn" or "not_required"."""
    if announcement.status is AnnouncementStatus.AWAITING_APPROVAL:
        return "awaiting"
    if not network.requires_sign_off:
        return "not_required"
    return "kept" if token.role.allows(AdminRole.APPROVER) else "withdrawn"


def queue_from_cli(
    uow: UnitOfWork, deps: SourceDeps, network: Network, *, topic_slug: str, subject: str, body: str
) -> Announcement:
    """`notifier announce`: the same draft -> (approval) -> schedule path as the admin API.

    On a network that requires sign-off the announcement waits for an approver and nothing is
    sent; otherwise it starts at once and `message_id` is set.
    """
    announcement = create_draft(uow, network, None, topic_slug=topic_slug, subject=subject, body=body)
    submit(uow, network, announcement, None, send_at=None)
    if announcement.status is AnnouncementStatus.SCHEDULED:
        uow.session.flush()
        _claim_and_start(uow, deps, announcement, utcnow())
    return announcement


def cancel(uow: UnitOfWork, announcement: Announcement, token: ApiToken) -> Announcement:
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
    _audit(uow.session, announcement, token, "announcement.cancel")
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
        asked_by=audit.actor_of_token(_token(uow.session, announcement.author_token_id)),
        approved_by=(
            audit.actor_of_token(_token(uow.session, announcement.approver_token_id))
            if announcement.approver_token_id
            else None
        ),
        sign_off_required=network.requires_sign_off,
    )
    return message.id


def _start_to_topic(
    uow: UnitOfWork, deps: SourceDeps, network: Network, announcement: Announcement
) -> Message:
    topic = network_repo.get_topic(uow.session, network.id, announcement.topic_id or 0)
    if topic is None:
        raise PublishingError("topic: the announcement's topic no longer exists")
    page = (
        uow.session.get(ContentPage, announcement.content_page_id) if announcement.content_page_id else None
    )
    if page is not None and page.email:  # a known page of the site, sent on purpose
        key = f"content:{page.url}#{page.revision}#announcement:{announcement.id}"
        return publish_page_again(uow, deps.queue, topic, page.email, source_key=key)
    return announce(
        uow,
        deps.queue,
        network,
        topic,
        subject=announcement.subject,
        body=announcement.body,
        source_key=f"announcement:{announcement.id}",
    )


def _token(session: Session, token_id: int | None) -> ApiToken | None:
    return session.get(ApiToken, token_id) if token_id is not None else None


def _audit(
    session: Session, announcement: Announcement, token: ApiToken | None, action: str, **detail: int | str
) -> None:
    """As the web admin an acting token acts for, else the token, else the CLI (audit.actor_of_token)."""
    actor = audit.actor_of_token(token)
    audit.record(session, announcement.network_id, actor, action, "announcement", announcement.id, **detail)
