"""Statuses and roles of the event sources: meetings, announcements, admin tokens, digests. No I/O."""

from __future__ import annotations

from enum import StrEnum


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class AnnouncementStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    SCHEDULED = "scheduled"  # approved (or needing no sign-off); sends at send_at
    SENT = "sent"  # its messages exist: too late to cancel the announcement itself
    CANCELLED = "cancelled"


class PageOutcome(StrEnum):
    """What notifier did with a page of a network's site the first time it knew it."""

    CONNECTED = "connected"  # there when the site was connected: recorded, nothing sent
    SENT = "sent"  # new, and emailed to its topics' subscribers
    RECORDED = "recorded"  # new, but recorded without email (dated before the connection, an event
    # that has ended, `notify: false`, unpublished): `note` says why


class AdminRole(StrEnum):
    """What an admin API token may do; each role may do everything the roles below it may."""

    EDITOR = "editor"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(AdminRole).index(self)

    def allows(self, needed: AdminRole) -> bool:
        return self.rank >= needed.rank


# Time-sensitive email: it goes out at once to everyone who consented to its topic, whatever their
# digest frequency (as GOV.UK's alert service overrides frequency for urgent messages).
URGENT_EMAIL_KINDS = frozenset(
    {
        "meeting",
        "meeting_update",
        "meeting_cancelled",
        "meeting_reminder",
        "meeting_withdrawn",
        "announcement",
    }
)
# What a daily or weekly digest lists from its period, on the reader's topics of that frequency.
DIGEST_EMAIL_KINDS = ("content", "announcement", "meeting", "minutes")
