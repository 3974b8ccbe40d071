"""What each email template needs, as frozen dataclasses checked when they are built.

Text fields hold raw outside values: the templates escape them. URLs are checked against the allowed
origins when the email is rendered. Datetimes must be timezone-aware (they are shown in London time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from notifier.rendering.admin_contexts import (
    AccessReviewEmail,
    AdminInvitationEmail,
    AdminSuspendedEmail,
    ApprovalNeededEmail,
    TermEndingEmail,
)
from notifier.rendering.checks import require_aware as _require_aware
from notifier.rendering.checks import require_text as _require_text


def _require_order(start: datetime, end: datetime | None) -> None:
    if end is not None and end.astimezone(UTC) < start.astimezone(UTC):  # instants, not wall times
        raise ValueError("end must not be before start")


class FooterReason(StrEnum):
    """Why this reader gets this email: each has its own "why you are getting this" line."""

    TOPIC = "topic"  # subscribed to the message's topic
    MEMBER = "member"  # a members-only topic: they are a member of the network
    INVITEE = "invitee"  # named on a meeting's invitation list
    ATTENDEE = "attendee"  # said Yes to a meeting and holds a place (a message to its Yes list)
    DIGEST = "digest"  # chose a daily or weekly summary
    TEST = "test"  # an admin's test send to themselves: no unsubscribe or preferences links
    ARCHIVE = "archive"  # the members' archive's copy: nobody's links, only where it went


@dataclass(frozen=True)
class Footer:
    """Why the reader gets a subscription email, and how to change that."""

    network_name: str
    topic_name: str
    manage_url: str
    unsubscribe_url: str
    privacy_notice_url: str
    reason: FooterReason = FooterReason.TOPIC
    archive_url: str = ""  # the network's members' archive, linked from every email it keeps
    meeting_title: str = ""  # the meeting an attendee said they are coming to

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name, topic_name=self.topic_name)


@dataclass(frozen=True)
class EventDetails:
    """The event a website post announces (from its front matter)."""

    start: datetime
    end: datetime | None = None
    location: str | None = None
    registration_deadline: datetime | None = None
    contact_email: str | None = None
    all_day: bool = False  # the page gave dates without times: the event is a day (or days)

    def __post_init__(self) -> None:
        _require_aware(start=self.start, end=self.end, registration_deadline=self.registration_deadline)
        _require_order(self.start, self.end)


@dataclass(frozen=True)
class ContentEmail:
    """A new post or page on the network's website."""

    network_name: str
    title: str
    url: str
    footer: Footer
    excerpt: str | None = None
    author: str | None = None
    published: date | datetime | None = None
    tags: tuple[str, ...] = ()
    event: EventDetails | None = None
    zone: str | None = None  # the site's time zone: its dates are printed in it (London if unknown)

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name, title=self.title)
        if isinstance(self.published, datetime):
            _require_aware(published=self.published)


@dataclass(frozen=True)
class MeetingEmail:
    """A meeting invitation, and its update, cancellation and reminder.

    `online_url` is a joining page on the network's site or this service, never a third-party meeting
    link: links only ever point at those two. `note` says what changed or why it was cancelled.
    """

    network_name: str
    title: str
    start: datetime
    footer: Footer
    end: datetime | None = None
    location: str | None = None
    online_url: str | None = None
    agenda: str | None = None
    calendar_url: str | None = None
    meeting_url: str | None = None
    note: str | None = None
    answer_url: str | None = None  # the reader's own answer page; "?choice=yes" etc. preselects
    answer_by: datetime | None = None
    access_question: str | None = None  # optional, health data: the email says who sees it and for how long

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name, title=self.title)
        _require_aware(start=self.start, end=self.end, answer_by=self.answer_by)
        _require_order(self.start, self.end)


@dataclass(frozen=True)
class MeetingPlaceEmail:
    """Transactional, to the first on a meeting's waiting list: a place is free, theirs until
    `offer_expires_at` if they confirm on their answer page."""

    network_name: str
    title: str
    start: datetime
    end: datetime
    answer_url: str
    offer_expires_at: datetime
    location: str | None = None

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name, title=self.title)
        _require_aware(start=self.start, end=self.end, offer_expires_at=self.offer_expires_at)
        _require_order(self.start, self.end)


@dataclass(frozen=True)
class MinutesEmail:
    """The minutes of a meeting: a link to them, their text, or both."""

    network_name: str
    meeting_title: str
    meeting_date: date | datetime
    footer: Footer
    minutes_url: str | None = None
    minutes_body: str | None = None
    meeting_url: str | None = None

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name, meeting_title=self.meeting_title)
        if isinstance(self.meeting_date, datetime):
            _require_aware(meeting_date=self.meeting_date)
        if not self.minutes_url and not (self.minutes_body or "").strip():
            raise ValueError("minutes need a minutes_url or a minutes_body")


@dataclass(frozen=True)
class AnnouncementEmail:
    """An announcement an admin wrote: the body keeps its paragraphs but no markup."""

    network_name: str
    subject: str
    body: str
    footer: Footer

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name, subject=self.subject, body=self.body)


class DigestPeriod(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True)
class DigestItem:
    title: str
    url: str | None  # an announcement has no page of its own
    excerpt: str | None = None

    def __post_init__(self) -> None:
        _require_text(title=self.title)


class MeetingState(StrEnum):
    MOVED = "moved"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class DigestMeeting:
    """A meeting as it stands now, in a digest's meeting section (its emails went out at once)."""

    title: str
    start: datetime
    end: datetime
    place: str | None = None
    state: MeetingState | None = None

    def __post_init__(self) -> None:
        _require_text(title=self.title)
        _require_aware(start=self.start, end=self.end)
        _require_order(self.start, self.end)


@dataclass(frozen=True)
class DigestEmail:
    network_name: str
    period: DigestPeriod
    items: tuple[DigestItem, ...]
    footer: Footer
    meetings: tuple[DigestMeeting, ...] = ()

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name)
        if not self.items:
            raise ValueError("a digest needs at least one item")


@dataclass(frozen=True)
class ConfirmSubscriptionEmail:
    """Transactional: the double opt-in link. No unsubscribe footer, as nothing is subscribed yet."""

    network_name: str
    confirm_url: str
    expiry_days: int
    topic_names: tuple[str, ...]
    privacy_notice_url: str
    membership: bool = False  # a request to join: the email says so, not "subscription"
    invited: bool = False  # the steering group added the address (an import): "they asked", not "you"
    reminder: bool = False  # the one reminder, a week on

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name)
        if self.expiry_days < 1:
            raise ValueError("expiry_days must be at least 1")
        if not self.topic_names and not self.membership:
            raise ValueError("topic_names must name at least one topic")


@dataclass(frozen=True)
class DataRequestVerifyEmail:
    """Transactional: confirm that a data-rights request (access, erasure...) came from the reader."""

    network_name: str
    request_type_label: str
    verify_url: str
    expiry_days: int
    privacy_notice_url: str | None = None

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name, request_type_label=self.request_type_label)
        if self.expiry_days < 1:
            raise ValueError("expiry_days must be at least 1")


@dataclass(frozen=True)
class ConfirmEmailChangeEmail:
    """Transactional, to the NEW address: following the link makes it the subscriber's address."""

    network_name: str
    confirm_url: str
    expiry_days: int
    privacy_notice_url: str | None = None

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name)
        if self.expiry_days < 1:
            raise ValueError("expiry_days must be at least 1")


@dataclass(frozen=True)
class NewLinksEmail:
    """Transactional: a fresh preferences link (where every email can be stopped) for someone whose
    unsubscribe or preferences link was damaged or too old."""

    network_name: str
    manage_url: str
    privacy_notice_url: str | None = None

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name)


@dataclass(frozen=True)
class AdminSignInEmail:
    """Transactional, to an admin's work address: a one-time link that signs them in to the admin of
    every network they administer (`network_names`)."""

    network_name: str
    sign_in_url: str
    expiry_minutes: int
    network_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name)
        if self.expiry_minutes < 1:
            raise ValueError("expiry_minutes must be at least 1")


@dataclass(frozen=True)
class ArchiveSignInEmail(AdminSignInEmail):
    """Transactional, to a reader's work address: a one-time link into the network's archive (the
    admin's sign-in email's fields, with its own words)."""


@dataclass(frozen=True)
class AdminWaitingEmail:
    """Transactional, to an admin: what waits for them in the web admin (counts only, no names)."""

    network_name: str
    lines: tuple[str, ...]
    admin_url: str

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name)
        if not self.lines:
            raise ValueError("lines must say what waits")


@dataclass(frozen=True)
class MembershipDecidedEmail:
    """Transactional: the steering group's answer to a request to join (the note they keep is not sent)."""

    network_name: str
    approved: bool
    topic_names: tuple[str, ...]  # the members-only topics an approved member now gets
    contact_url: str
    privacy_notice_url: str | None = None

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name)


EmailContext = (
    ContentEmail
    | MeetingEmail
    | MinutesEmail
    | MeetingPlaceEmail
    | AnnouncementEmail
    | DigestEmail
    | ConfirmSubscriptionEmail
    | DataRequestVerifyEmail
    | ConfirmEmailChangeEmail
    | NewLinksEmail
    | AdminSignInEmail
    | AdminWaitingEmail
    | ArchiveSignInEmail
    | AdminInvitationEmail
    | ApprovalNeededEmail
    | TermEndingEmail
    | AccessReviewEmail
    | AdminSuspendedEmail
    | MembershipDecidedEmail
)
