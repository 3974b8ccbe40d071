"""The people behind audit actors, named as the steering group reads them: "Sam Patel (approver)", "the
token “site build” (made by Jo Evans)", "Jo Evans (editor) on the command line".

The audit holds ids only; names are looked up here when it is read, so a person who has been erased
is no longer named (they show as "a former admin").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.models import AdminMember, ApiToken, Subscriber

SERVICE_ACTORS = {
    "cli": "the command line",
    "scheduler": "the scheduler",
    "service": "the service",
    "anonymous": "someone not signed in",
    "self_service": "the person themselves",  # a data-subject request from their preferences page
}


@dataclass
class ActorNames:
    """Names of one network's actors, each looked up once."""

    session: Session
    network_id: int
    _people: dict[int, str] = field(default_factory=dict)

    def person(self, admin_id: int | None) -> str:
        """ "Name (role)" of an admin of this network, removed ones included."""
        if admin_id is None:
            return "nobody known"
        if admin_id not in self._people:
            row = self.session.execute(
                select(Subscriber.name, AdminMember.role)
                .join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
                .where(AdminMember.network_id == self.network_id, AdminMember.id == admin_id)
            ).one_or_none()
            self._people[admin_id] = f"{row[0]} ({row[1].value})" if row else "a former admin"
        return self._people[admin_id]

    def token(self, token_id: int) -> str:
        token = self.session.get(ApiToken, token_id)
        if token is None or token.network_id != self.network_id:
            return f"token {token_id}"
        maker = self.person(token.created_by_admin_id) if token.created_by_admin_id else "nobody known"
        return f"the token “{token.label}” (made by {maker})"

    def actor(self, actor: str | None) -> str:
        """Any audit actor, named."""
        if not actor:
            return "nobody"
        kind, _, number = actor.partition(":")
        if number.isdigit():
            if kind == "admin":
                return self.person(int(number))
            if kind == "token":
                return self.token(int(number))
            if kind == "cli":
                return f"{self.person(int(number))} on the command line"
        return SERVICE_ACTORS.get(actor, actor)


def actor_names(session: Session, network_id: int) -> ActorNames:
    return ActorNames(session, network_id)
