"""Sign-off: which bulk email waits for a second person, and the rules that keep a network's steering
group able to give it. No I/O.

On a network that requires sign-off, every bulk email whose words a person wrote waits until someone
else approves it in the web admin: announcements, meeting invitations and changes to their words,
minutes, and content sent through the admin API (the site's signed hook is the site's own publishing,
and goes at once). A change of an approved meeting's time, and its cancellation without a note, go at
once: people must know, and no new words are in them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from notifier.domain.london_times import LONDON
from notifier.domain.sources import AdminRole


class ApprovalKind(StrEnum):
    MEETING_INVITATION = "meeting_invitation"
    MEETING_UPDATE = (
        "meeting_update"  # a change of an approved meeting's words (or a time change with a note)
    )
    MEETING_CANCELLATION = "meeting_cancellation"  # a cancellation with a note
    MINUTES = "minutes"
    CONTENT = "content"  # a page given through the admin API
    SIGN_OFF_SETTING = "sign_off_setting"  # turning sign-off on or off: a second admin confirms

    @property
    def label(self) -> str:
        return APPROVAL_LABELS[self]

    @property
    def needs(self) -> AdminRole:
        """The role of whoever may decide it."""
        return AdminRole.ADMIN if self is ApprovalKind.SIGN_OFF_SETTING else AdminRole.APPROVER


APPROVAL_LABELS = {
    ApprovalKind.MEETING_INVITATION: "Meeting invitation",
    ApprovalKind.MEETING_UPDATE: "Change to a meeting",
    ApprovalKind.MEETING_CANCELLATION: "Meeting cancellation with a note",
    ApprovalKind.MINUTES: "Minutes",
    ApprovalKind.CONTENT: "Page from the admin API",
    ApprovalKind.SIGN_OFF_SETTING: "Sign-off setting",
}


class ApprovalStatus(StrEnum):
    AWAITING = "awaiting"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # by the person who asked, or because what it changes has gone


# A meeting's fields whose words a person wrote; start and end are its time.
MEETING_WORD_FIELDS = frozenset({"title", "agenda", "location", "online_url"})
MEETING_TIME_FIELDS = frozenset({"start", "end"})


def meeting_change_needs_approval(fields: Iterable[str], note: str) -> bool:
    """A change with new words (a word field or a note) waits; a change of time alone goes at once."""
    return bool(MEETING_WORD_FIELDS & set(fields)) or bool(note.strip())


# The steering group never falls below this by a removal, a role change, an ended term or a
# suspension: two people who can approve (so nobody approves their own), and one admin.
MIN_APPROVERS = 2
MIN_ADMINS = 1


@dataclass(frozen=True)
class TeamCounts:
    approvers: int  # people with the approver or admin role
    admins: int

    @classmethod
    def of(cls, roles: Iterable[AdminRole]) -> TeamCounts:
        held = list(roles)
        return cls(
            sum(1 for r in held if r.allows(AdminRole.APPROVER)), sum(1 for r in held if r is AdminRole.ADMIN)
        )


def team_floor_problem(before: TeamCounts, after: TeamCounts) -> str | None:
    """Why a change that leaves the team as `after` is refused, or None. A change that takes nobody
    away who counts is never refused, even in a team already below the floor (a new network)."""
    if after.admins < before.admins and after.admins < MIN_ADMINS:
        return "a network must keep at least one admin: make someone else an admin first"
    if after.approvers < before.approvers and after.approvers < MIN_APPROVERS:
        return (
            f"a network must keep at least {MIN_APPROVERS} people who can approve (approvers or admins), "
            "so that nobody approves their own email: give someone else the approver role first"
        )
    return None


def sign_off_can_start(counts: TeamCounts) -> str | None:
    """Why sign-off cannot be turned on yet, or None."""
    if counts.approvers < MIN_APPROVERS:
        return (
            f"sign-off needs at least {MIN_APPROVERS} people who can approve, so that nobody approves "
            "their own email: give a second person the approver role first"
        )
    return None


def term_last_day(ends_at: datetime) -> date:
    """The last day (in London) of a term that ends at `ends_at`, the midnight after that day."""
    return (ends_at - timedelta(microseconds=1)).astimezone(LONDON).date()


def quarter_start(moment: datetime) -> datetime:
    """The first instant (midnight in London) of the calendar quarter holding `moment`, in UTC."""
    local = moment.astimezone(LONDON)
    first_month = (local.month - 1) // 3 * 3 + 1
    start = datetime(local.year, first_month, 1, tzinfo=LONDON)
    return start.astimezone(UTC)
