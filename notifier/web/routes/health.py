"""Liveness and readiness for load balancers and compose health checks."""

from __future__ import annotations

from fastapi import APIRouter

from notifier.services.common.health import check_database
from notifier.web.deps import UowDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(uow: UowDep) -> dict[str, str]:
    check_database(uow.session)
    return {"status": "ok", "database": "ok"}
