"""`GET /metrics`: Prometheus text format, with the lanes' queue depths read from the database."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from notifier.services.delivery.monitoring import refresh_queue_gauges
from notifier.web.deps import UowDep

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=Response)
def metrics(uow: UowDep) -> Response:
    refresh_queue_gauges(uow)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
