"""Admin API authentication: a bearer token of the network in the path, with a role.

A token of another network gets the same 404 as a network that does not exist, so a token never
learns what other networks hold. Only the token's SHA-256 is stored (services/admin/admin_tokens.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from notifier.domain.sources import AdminRole
from notifier.services.admin.token_access import TokenAccess, TokenRefused, token_access
from notifier.web.deps import UowDep

bearer = HTTPBearer(auto_error=False, description="An admin API token from `notifier token create`")


@dataclass(frozen=True)
class Admin(TokenAccess):
    def require(self, role: AdminRole) -> None:
        if not self.allows(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role.value} role or above")


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, {"WWW-Authenticate": "Bearer"})


def _admin(
    network_slug: str,
    uow: UowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Admin:
    if credentials is None:
        raise _unauthorised("send Authorization: Bearer <token>")
    try:
        access = token_access(uow.session, network_slug, credentials.credentials)
    except TokenRefused as exc:
        raise _unauthorised("the token is not valid or was revoked") from exc
    return Admin(access.scope, access.token)


AdminDep = Annotated[Admin, Depends(_admin)]


def _role(role: AdminRole) -> Any:
    def _with_role(admin: AdminDep) -> Admin:
        admin.require(role)
        return admin

    return Depends(_with_role)


ApproverTokenDep = Annotated[Admin, _role(AdminRole.APPROVER)]
AdminTokenDep = Annotated[Admin, _role(AdminRole.ADMIN)]


def problem(field: str, message: str, *, conflict: bool = False, forbidden: bool = False) -> HTTPException:
    code = status.HTTP_422_UNPROCESSABLE_CONTENT
    if conflict:
        code = status.HTTP_409_CONFLICT
    if forbidden:
        code = status.HTTP_403_FORBIDDEN
    detail: list[dict[str, Any]] = [{"field": field, "message": message}]
    return HTTPException(code, detail)
