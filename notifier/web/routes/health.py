"""Liveness and readiness for load balancers and compose health checks."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from notifier.web.deps import UowDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(uow: UowDep) -> dict[str, str]:
    uow.session.execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok"}
