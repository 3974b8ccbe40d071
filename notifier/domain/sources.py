"""Statuses and roles of the event sources: meetings, announcements, admin tokens, digests. No I/O."""

from __future__ import annotations

from enum import StrEnum


class MeetingStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"  # on a sign-off network: nobody is invited until approved
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
    """What an admin (or an admin API token) may do; each role may do everything the roles below it
    may. Only a person signed in to the web admin ever approves, whatever a token's role."""

    EDITOR = "editor"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(AdminRole).index(self)

    def allows(self, needed: AdminRole) -> bool:
        return self.rank >= needed.rank


# What each role may see and do, as the Team page and docs/operations.md show it: the routes require
# these roles (web/routes/admin_web and admin_api), and each role may do all the roles below it may.
ROLE_ABILITIES: tuple[tuple[str, AdminRole], ...] = (
    ("See the dashboard, the members list, a person's record, meetings and announcements", AdminRole.EDITOR),
    ("Write announcements, send a test to yourself and submit them for sign-off", AdminRole.EDITOR),
    ("Arrange, change and cancel meetings, and send their minutes", AdminRole.EDITOR),
    (
        "Approve someone else's email, signed in here, and stop a message that is going out",
        AdminRole.APPROVER,
    ),
    ("Decide requests to join the network", AdminRole.APPROVER),
    ("Add, import and remove people, and see the suppression list", AdminRole.ADMIN),
    ("Export personal data: the members list and a person's data for a request", AdminRole.ADMIN),
    ("Handle data-subject requests", AdminRole.ADMIN),
    ("Manage the team, the settings, admin API tokens and the publish hook's secret", AdminRole.ADMIN),
    ("Read and export the audit log and the retention evidence", AdminRole.ADMIN),
)


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
# What a daily or weekly digest lists as items: what the reader was not sent at once. Urgent email
# (above) is never an item; a digest's meeting section shows each meeting these kinds concerned, once.
DIGEST_EMAIL_KINDS = ("content", "minutes")
DIGEST_MEETING_KINDS = ("meeting", "meeting_update", "meeting_cancelled")
