"""The public forms' per-client limit (subscribe, join, contact, a new link), as a dependency that
raises the same 429 page for each."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, status

from notifier.services.common import form_limits
from notifier.web.deps import NetworkDep, NowDep, SettingsDep, UowDep
from notifier.web.problems import Problem


def form_limit(what: str) -> Any:
    """For a route's `dependencies=[...]`, after the CSRF check: counts this submission, and refuses
    it when the client has used its allowance. `what` finishes "too many attempts to ..."."""

    def _count(request: Request, uow: UowDep, settings: SettingsDep, scope: NetworkDep, now: NowDep) -> None:
        allowed = form_limits.allow_attempt(
            uow.session,
            hash_key=settings.hash_key,
            client=request.client.host if request.client else "unknown",
            limit=settings.subscribe_rate_limit,
            window_seconds=settings.subscribe_rate_window_seconds,
            now=now,
        )
        if not allowed:
            window = settings.subscribe_rate_window_seconds
            raise Problem(
                status.HTTP_429_TOO_MANY_REQUESTS,
                "There have been too many attempts",
                network=scope.network,
                headers={"Retry-After": str(window)},
                context={"template": "too_many.html", "what": what, "minutes": max(1, window // 60)},
            )

    return Depends(_count)
