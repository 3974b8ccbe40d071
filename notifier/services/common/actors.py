"""Who does something, for the rules that care who it is and for the audit.

Approvals are made by people signed in to the web admin, never by a token or the command line: only
an `Actor` made by `person_actor` has `signed_in`. An automation token acts as itself, on behalf of
the admin who made it; the command line acts for the admin it names. `person_id` is the admin behind
any of them, so "a second person" means a different `person_id`.
"""

from __future__ import annotations

from dataclasses import dataclass

from notifier.db.models import AdminMember, ApiToken, Subscriber
from notifier.domain.sources import AdminRole
from notifier.services.common.audit import admin_actor, cli_actor, token_actor


@dataclass(frozen=True)
class Actor:
    audit_name: str  # the audit's actor: admin:<id>, token:<id> or cli:<admin id>
    role: AdminRole
    person_id: int | None  # the admin (admin_member id) behind it; None: a token nobody is known to have made
    signed_in: bool = False  # a person in the web admin
    token_id: int | None = None
    test_address: str = ""  # where "send a test to me" goes

    @property
    def may_approve(self) -> bool:
        return self.signed_in and self.role.allows(AdminRole.APPROVER)

    def same_person(self, admin_id: int | None) -> bool:
        return admin_id is not None and admin_id == self.person_id


def person_actor(admin: AdminMember, person: Subscriber) -> Actor:
    """A person signed in to the web admin."""
    return Actor(admin_actor(admin.id), admin.role, admin.id, signed_in=True, test_address=person.email)


def token_actor_of(token: ApiToken) -> Actor:
    """An automation token, for the admin who made it; it never approves."""
    return Actor(
        token_actor(token.id), token.role, token.created_by_admin_id, token_id=token.id,
        test_address=token.holder_email,
    )  # fmt: skip


def command_line_actor(admin: AdminMember, person: Subscriber) -> Actor:
    """The command line acting for an admin it names; it never approves."""
    return Actor(cli_actor(admin.id), admin.role, admin.id, test_address=person.email)
