"""Admin API authentication: a bearer token of the network in the path, with a role.

A token of another network gets the same 404 as a network that does not exist, so a token never
learns what other networks hold. Only the token's SHA-256 is stored (services/admin/admin_tokens.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from notifier.db.models import ApiToken, Network
from notifier.domain.sources import AdminRole
from notifier.repositories import networks as network_repo
from notifier.services.admin.admin_tokens import authenticate
from notifier.services.common import audit
from notifier.web.deps import UowDep

bearer = HTTPBearer(auto_error=False, description="An admin API token from `notifier token create`")


@dataclass(frozen=True)
class Admin:
    network: Network
    token: ApiToken

    @property
    def actor(self) -> str:
        return audit.token_actor(self.token.id)

    def require(self, role: AdminRole) -> None:
        if not self.token.role.allows(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role.value} role or above")


def _admin(
    network_slug: str,
    request: Request,
    uow: UowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Admin:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "send Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"}
        )
    token = authenticate(uow.session, credentials.credentials)
    if token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "the token is not valid or was revoked",
            {"WWW-Authenticate": "Bearer"},
        )
    network = network_repo.get_network_by_slug(uow.session, network_slug)
    if network is None or network.id != token.network_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no network called {network_slug!r}")
    return Admin(network, token)


AdminDep = Annotated[Admin, Depends(_admin)]


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no such {what} in this network")


def problem(field: str, message: str, *, conflict: bool = False, forbidden: bool = False) -> HTTPException:
    code = status.HTTP_422_UNPROCESSABLE_CONTENT
    if conflict:
        code = status.HTTP_409_CONFLICT
    if forbidden:
        code = status.HTTP_403_FORBIDDEN
    detail: list[dict[str, Any]] = [{"field": field, "message": message}]
    return HTTPException(code, detail)
