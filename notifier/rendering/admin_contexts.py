"""What the steering group's own emails need: an invitation, an approval to give, a term of office
ending, the quarterly access review and an inactive admin's suspension. All transactional, to an
admin's work address; text fields hold raw values, which the templates escape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from notifier.rendering.checks import require_aware as _require_aware
from notifier.rendering.checks import require_text as _require_text
from notifier.rendering.markdown import TrustedMarkdown


@dataclass(frozen=True)
class AdminInvitationEmail:
    """A new admin's invitation: who invited them, to which network and role, and a one-time link."""

    network_name: str
    invited_by: str  # "Jo Evans (admin)"
    role: str
    sign_in_url: str
    expiry_days: int

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name, invited_by=self.invited_by, role=self.role)
        if self.expiry_days < 1:
            raise ValueError("expiry_days must be at least 1")


@dataclass(frozen=True)
class ApprovalNeededEmail:
    """To each person who may approve: what waits, who asked, how many it reaches, and the email
    exactly as it will be sent (`email_body` is that email's rendering, escaped when it was made)."""

    network_name: str
    what: str
    title: str
    asked_by: str
    people: int
    check_url: str
    email_subject: str
    email_body: TrustedMarkdown

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name, what=self.what, title=self.title)
        _require_text(asked_by=self.asked_by, email_subject=self.email_subject, email_body=self.email_body)
        if self.people < 0:
            raise ValueError("people cannot be negative")


@dataclass(frozen=True)
class TermEndingEmail:
    """Two weeks before a term of office ends: to the person, and to the network's admins."""

    network_name: str
    person_name: str
    role: str
    last_day: date  # the role ends as this day ends in London
    to_the_person: bool
    team_url: str

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name, person_name=self.person_name, role=self.role)


@dataclass(frozen=True)
class ReviewLine:
    name: str
    role: str
    last_signed_in: datetime | None
    term_last_day: date | None = None

    def __post_init__(self) -> None:
        _require_text(name=self.name, role=self.role)
        _require_aware(last_signed_in=self.last_signed_in)


@dataclass(frozen=True)
class AccessReviewEmail:
    """The quarterly access review: each admin and approver with their last sign-in."""

    network_name: str
    quarter: str  # "October to December 2026"
    people: tuple[ReviewLine, ...]
    review_url: str

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name, quarter=self.quarter)
        if not self.people:
            raise ValueError("a review lists at least one person")


@dataclass(frozen=True)
class AdminSuspendedEmail:
    """An admin who has not signed in for too long: their role is suspended, and how to come back."""

    network_name: str
    role: str
    last_signed_in: datetime | None
    inactive_for: str  # "6 months"
    sign_in_url: str
    contact_email: str | None = None  # the steering group's address, when the network has one

    def __post_init__(self) -> None:
        _require_text(network_name=self.network_name, role=self.role, inactive_for=self.inactive_for)
        _require_aware(last_signed_in=self.last_signed_in)
