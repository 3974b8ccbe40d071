"""`GET /metrics`: Prometheus text format, with the lanes' queue depths read from the database.

With NOTIFIER_METRICS_TOKEN set it answers only `Authorization: Bearer <token>` (compared in constant
time); in production without one it is not served at all, as if it did not exist.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from notifier.config import Environment
from notifier.services.delivery.monitoring import refresh_queue_gauges
from notifier.web.deps import SettingsDep, UowDep

router = APIRouter(tags=["metrics"])


def _scraper_allowed(request: Request, settings: SettingsDep) -> None:
    token = settings.metrics_token.get_secret_value()
    if not token:
        if settings.environment is Environment.PRODUCTION:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
        return
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "metrics need Authorization: Bearer <NOTIFIER_METRICS_TOKEN>",
            headers={"WWW-Authenticate": "Bearer"},
        )


@router.get("/metrics", response_class=Response)
def metrics(_scraper: Annotated[None, Depends(_scraper_allowed)], uow: UowDep) -> Response:
    refresh_queue_gauges(uow)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
