"""The public forms' per-client limit (subscribe, join, contact), answered with the same 429 page."""

from __future__ import annotations

from fastapi import Request, status
from fastapi.responses import Response

from notifier.db.base import utcnow
from notifier.db.models import Network
from notifier.services.common import form_limits
from notifier.web.deps import SettingsDep, UowDep
from notifier.web.pages import render_page


def refused_over_limit(
    request: Request, uow: UowDep, settings: SettingsDep, network: Network, *, what: str
) -> Response | None:
    """Count this submission; None when it is within the client's allowance, else the 429 page."""
    allowed = form_limits.allow_attempt(
        uow.session,
        hash_key=settings.hash_key,
        client=request.client.host if request.client else "unknown",
        limit=settings.subscribe_rate_limit,
        window_seconds=settings.subscribe_rate_window_seconds,
        now=utcnow(),
    )
    if allowed:
        return None
    refused = render_page(
        "too_many.html",
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        title="There have been too many attempts",
        network=network,
        what=what,
        minutes=max(1, settings.subscribe_rate_window_seconds // 60),
    )
    refused.headers["Retry-After"] = str(settings.subscribe_rate_window_seconds)
    return refused
