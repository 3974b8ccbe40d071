"""Every kind of email the service sends: its templates, its context type, and rendering it.

`render_email(kind, context, allowed_origins=...)` gives the subject and the Notify-markdown body that
go into the one generic Notify template (`((subject))`, `((body))`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from notifier.rendering.admin_contexts import (
    AccessReviewEmail,
    AdminInvitationEmail,
    AdminSuspendedEmail,
    ApprovalNeededEmail,
    ReviewLine,
    TermEndingEmail,
)
from notifier.rendering.contexts import (
    AdminSignInEmail,
    AdminWaitingEmail,
    AnnouncementEmail,
    ArchiveSignInEmail,
    ConfirmEmailChangeEmail,
    ConfirmSubscriptionEmail,
    ContentEmail,
    DataRequestVerifyEmail,
    DigestEmail,
    DigestItem,
    DigestPeriod,
    EmailContext,
    EventDetails,
    Footer,
    MeetingEmail,
    MeetingPlaceEmail,
    MembershipDecidedEmail,
    MinutesEmail,
    NewLinksEmail,
)
from notifier.rendering.environment import ALLOWED_ORIGINS_KEY, build_environment
from notifier.rendering.markdown import allowed_origin_set

__all__ = [
    "EMAIL_KINDS",
    "NOTIFY_MAX_BODY_BYTES",
    "AccessReviewEmail",
    "AdminInvitationEmail",
    "AdminSignInEmail",
    "AdminSuspendedEmail",
    "AdminWaitingEmail",
    "AnnouncementEmail",
    "ApprovalNeededEmail",
    "ArchiveSignInEmail",
    "ConfirmEmailChangeEmail",
    "ConfirmSubscriptionEmail",
    "ContentEmail",
    "DataRequestVerifyEmail",
    "DigestEmail",
    "DigestItem",
    "DigestPeriod",
    "EmailContext",
    "EmailKind",
    "EmailSpec",
    "EmailTooLongError",
    "EventDetails",
    "Footer",
    "MeetingEmail",
    "MeetingPlaceEmail",
    "MembershipDecidedEmail",
    "MinutesEmail",
    "NewLinksEmail",
    "RenderedEmail",
    "ReviewLine",
    "TermEndingEmail",
    "check_body_size",
    "render_email",
    "render_shared_email",
]

# Notify refuses an email whose filled-in content is over 2,000,000 bytes (UTF-8).
NOTIFY_MAX_BODY_BYTES = 2_000_000
_BLANK_LINE_RUNS = re.compile(r"\n{3,}")
_TRAILING_SPACES = re.compile(r"[ \t]+$", re.MULTILINE)


class EmailKind(StrEnum):
    # Subscription emails, one per domain EventKind (same values).
    CONTENT = "content"
    MEETING = "meeting"
    MINUTES = "minutes"
    ANNOUNCEMENT = "announcement"
    MEETING_UPDATE = "meeting_update"
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_REMINDER = "meeting_reminder"
    MEETING_WITHDRAWN = "meeting_withdrawn"  # to people a meeting's audience no longer reaches
    MEETING_PLACE = "meeting_place"  # a freed place offered to the first on the waiting list
    DIGEST = "digest"
    # Transactional emails: no unsubscribe footer.
    CONFIRM_SUBSCRIPTION = "confirm_subscription"
    DATA_REQUEST_VERIFY = "data_request_verify"
    CONFIRM_EMAIL_CHANGE = "confirm_email_change"  # sent to the subscriber's pending_email
    NEW_LINKS = "new_links"  # fresh unsubscribe/preferences links, asked for from a damaged link's page
    ADMIN_SIGN_IN = "admin_sign_in"  # a steering group admin's one-time sign-in link
    ADMIN_WAITING = "admin_waiting"  # what waits for an admin (services/admin/alerts.py)
    ARCHIVE_SIGN_IN = "archive_sign_in"  # a reader's one-time link into the members' archive
    ADMIN_INVITATION = "admin_invitation"  # a new admin's one-time link, naming who invited them
    APPROVAL_NEEDED = "approval_needed"  # bulk email waiting for a second person, shown as it will go
    ADMIN_TERM_ENDING = "admin_term_ending"  # two weeks before a term of office ends
    ACCESS_REVIEW = "access_review"  # the quarterly review of who holds a role
    ADMIN_SUSPENDED = "admin_suspended"  # not signed in for too long
    MEMBERSHIP_DECIDED = "membership_decided"  # a request to join approved or declined


@dataclass(frozen=True)
class EmailSpec:
    template_dir: str
    context_type: type[EmailContext]
    transactional: bool = False

    @property
    def subject_template(self) -> str:
        return f"{self.template_dir}/subject.txt"

    @property
    def body_template(self) -> str:
        return f"{self.template_dir}/body.md"


EMAIL_KINDS: Mapping[EmailKind, EmailSpec] = MappingProxyType(
    {
        EmailKind.CONTENT: EmailSpec("email/content", ContentEmail),
        EmailKind.MEETING: EmailSpec("email/meeting", MeetingEmail),
        EmailKind.MEETING_UPDATE: EmailSpec("email/meeting_update", MeetingEmail),
        EmailKind.MEETING_CANCELLED: EmailSpec("email/meeting_cancelled", MeetingEmail),
        EmailKind.MEETING_REMINDER: EmailSpec("email/meeting_reminder", MeetingEmail),
        EmailKind.MEETING_WITHDRAWN: EmailSpec("email/meeting_withdrawn", MeetingEmail),
        EmailKind.MINUTES: EmailSpec("email/minutes", MinutesEmail),
        EmailKind.ANNOUNCEMENT: EmailSpec("email/announcement", AnnouncementEmail),
        EmailKind.DIGEST: EmailSpec("email/digest", DigestEmail),
        EmailKind.MEETING_PLACE: EmailSpec("email/meeting_place", MeetingPlaceEmail, transactional=True),
        EmailKind.CONFIRM_SUBSCRIPTION: EmailSpec(
            "email/confirm_subscription", ConfirmSubscriptionEmail, transactional=True
        ),
        EmailKind.DATA_REQUEST_VERIFY: EmailSpec(
            "email/data_request_verify", DataRequestVerifyEmail, transactional=True
        ),
        EmailKind.CONFIRM_EMAIL_CHANGE: EmailSpec(
            "email/confirm_email_change", ConfirmEmailChangeEmail, transactional=True
        ),
        EmailKind.NEW_LINKS: EmailSpec("email/new_links", NewLinksEmail, transactional=True),
        EmailKind.ADMIN_SIGN_IN: EmailSpec("email/admin_sign_in", AdminSignInEmail, transactional=True),
        EmailKind.ADMIN_WAITING: EmailSpec("email/admin_waiting", AdminWaitingEmail, transactional=True),
        EmailKind.ARCHIVE_SIGN_IN: EmailSpec("email/archive_sign_in", ArchiveSignInEmail, transactional=True),
        EmailKind.ADMIN_INVITATION: EmailSpec(
            "email/admin_invitation", AdminInvitationEmail, transactional=True
        ),
        EmailKind.APPROVAL_NEEDED: EmailSpec(
            "email/approval_needed", ApprovalNeededEmail, transactional=True
        ),
        EmailKind.ADMIN_TERM_ENDING: EmailSpec(
            "email/admin_term_ending", TermEndingEmail, transactional=True
        ),
        EmailKind.ACCESS_REVIEW: EmailSpec("email/access_review", AccessReviewEmail, transactional=True),
        EmailKind.ADMIN_SUSPENDED: EmailSpec(
            "email/admin_suspended", AdminSuspendedEmail, transactional=True
        ),
        EmailKind.MEMBERSHIP_DECIDED: EmailSpec(
            "email/membership_decided", MembershipDecidedEmail, transactional=True
        ),
    }
)


class EmailTooLongError(ValueError):
    """The rendered body is over Notify's size limit; sending it would only get a 400."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str


def _template_variables(context: EmailContext, allowed_origins: Iterable[str]) -> dict[str, Any]:
    # Shallow on purpose: nested dataclasses (footer, event, items) stay typed objects.
    variables = {item.name: getattr(context, item.name) for item in fields(context)}
    variables[ALLOWED_ORIGINS_KEY] = tuple(allowed_origins)
    return variables


def _tidy_body(body: str) -> str:
    return _BLANK_LINE_RUNS.sub("\n\n", _TRAILING_SPACES.sub("", body)).strip("\n") + "\n"


def render_email(kind: EmailKind, context: EmailContext, *, allowed_origins: Iterable[str]) -> RenderedEmail:
    """Render one email's subject (a single line) and body (Notify markdown).

    `allowed_origins` are the origins links may point at: the network's website and this service's
    public base URL. A link anywhere else raises ValueError, as does a context of the wrong type.
    """
    spec = EMAIL_KINDS[kind]
    if not isinstance(context, spec.context_type):
        raise TypeError(f"{kind} needs a {spec.context_type.__name__}, not {type(context).__name__}")
    origins = tuple(allowed_origins)
    allowed_origin_set(origins)  # refuse a bad origin even when the email happens to have no links
    environment = build_environment()
    variables = _template_variables(context, origins)
    subject = " ".join(environment.get_template(spec.subject_template).render(variables).split())
    body = _tidy_body(environment.get_template(spec.body_template).render(variables))
    if not subject:
        raise ValueError(f"{kind} rendered an empty subject")
    check_body_size(kind, body)
    return RenderedEmail(subject=subject, body=body)


def check_body_size(kind: EmailKind, body: str) -> None:
    """Raise EmailTooLongError for a body Notify would refuse as too long."""
    if len(body.encode("utf-8")) > NOTIFY_MAX_BODY_BYTES:
        raise EmailTooLongError(f"{kind} body is over Notify's {NOTIFY_MAX_BODY_BYTES:,} byte limit")


# Messages being sent at once in one process, each with its one shared rendering.
SHARED_RENDERINGS = 32


def render_shared_email(
    kind: EmailKind, context: EmailContext, *, allowed_origins: Iterable[str]
) -> RenderedEmail:
    """`render_email`, remembered for an equal (kind, context, origins): a message's readers whose
    contexts differ only in stand-in link tokens share one rendering. Contexts are frozen dataclasses
    and rendering is pure, so an equal context renders the same email; an unhashable one is rendered."""
    origins = tuple(allowed_origins)
    try:
        hash(context)
    except TypeError:  # a field holding a list or dict
        return render_email(kind, context, allowed_origins=origins)
    return _render_remembered(kind, context, origins)


@functools.lru_cache(maxsize=SHARED_RENDERINGS)
def _render_remembered(kind: EmailKind, context: EmailContext, origins: tuple[str, ...]) -> RenderedEmail:
    return render_email(kind, context, allowed_origins=origins)
