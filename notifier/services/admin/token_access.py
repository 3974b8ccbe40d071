"""Who an admin API request acts as: the live token its bearer secret names, for the network in its
path. A token of another network answers as a network that does not exist (`NotFound`), so a token
never learns what other networks hold; a missing, unknown or revoked token is `TokenRefused`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from notifier.db.models import ApiToken, Network
from notifier.domain.sources import AdminRole
from notifier.services.admin.admin_tokens import authenticate
from notifier.services.common import audit
from notifier.services.common.actors import Actor, token_actor_of
from notifier.services.common.scope import NetworkScope, NotFound, network_by_slug


class TokenRefused(Exception):
    """No live token has this secret."""


@dataclass(frozen=True)
class TokenAccess:
    scope: NetworkScope
    token: ApiToken

    @property
    def network(self) -> Network:
        return self.scope.network

    @property
    def actor(self) -> str:
        return audit.token_actor(self.token.id)

    @property
    def acting_as(self) -> Actor:
        """The token, for the admin who made it: it never approves."""
        return token_actor_of(self.token)

    def allows(self, role: AdminRole) -> bool:
        return self.token.role.allows(role)


def token_access(session: Session, slug: str, secret: str) -> TokenAccess:
    token = authenticate(session, secret)
    if token is None:
        raise TokenRefused(slug)
    scope = network_by_slug(session, slug)
    if scope.network_id != token.network_id:
        raise NotFound("network", f"no network called {slug!r}")
    return TokenAccess(scope, token)
