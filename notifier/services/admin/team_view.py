"""The Team page, the access review page and the team's CSV export (as Notify's admin exports its
team): each person with their role, state, who invited them, their last sign-in, their term's end
and when their access was last confirmed. Suspended people are listed; removed ones are history."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from notifier.db.models import AdminMember, Subscriber
from notifier.domain.sign_off import term_last_day
from notifier.domain.sources import AdminRole
from notifier.repositories import admins as admin_repo
from notifier.services.admin.people import safe_cell
from notifier.services.admin.turnover import last_active
from notifier.services.common import audit
from notifier.services.common.actor_names import actor_names
from notifier.services.common.scope import NetworkScope, NotFound

CSV_HEADER = ["name", "email", "role", "state", "invited_at", "invited_by", "last_signed_in_at",
              "term_ends_at", "access_confirmed_at"]  # fmt: skip


@dataclass(frozen=True)
class TeamLine:
    member: AdminMember
    person: Subscriber
    invited_by: str  # named

    @property
    def suspended(self) -> bool:
        return self.member.suspended_at is not None

    @property
    def state(self) -> str:
        return "suspended" if self.suspended else "active"

    @property
    def last_active(self) -> datetime:
        return last_active(self.member)

    @property
    def term_last_day(self) -> str:
        """The term's last day as the form takes it (it ends as that day ends in London)."""
        ends = self.member.term_ends_at
        return term_last_day(ends).isoformat() if ends else ""

    @property
    def reviewed(self) -> bool:
        """In the access review: admins and approvers."""
        return self.member.role.allows(AdminRole.APPROVER)


def team_lines(scope: NetworkScope) -> list[TeamLine]:
    names = actor_names(scope.session, scope.network_id)
    return [
        TeamLine(member, person, names.actor(member.invited_by))
        for member, person in admin_repo.team_of(scope.session, scope.network_id)
    ]


def team_line(scope: NetworkScope, admin_id: int) -> TeamLine:
    """One person of the team (the removal's confirmation page); another network's id is not found."""
    for line in team_lines(scope):
        if line.member.id == admin_id:
            return line
    raise NotFound("admin")


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def team_csv(scope: NetworkScope, *, actor: str) -> str:
    """The whole team as CSV (formula-looking cells quoted); the export is audited."""
    lines = team_lines(scope)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for line in lines:
        m = line.member
        writer.writerow(
            [
                safe_cell(line.person.name),
                safe_cell(line.person.email),
                m.role.value,
                line.state,
                _when(m.created_at),
                safe_cell(line.invited_by),
                _when(m.last_signed_in_at),
                _when(m.term_ends_at),
                _when(m.access_confirmed_at),
            ]
        )
    audit.record(
        scope.session, scope.network_id, actor, "team_exported", "network", scope.network_id, rows=len(lines)
    )
    return out.getvalue()
