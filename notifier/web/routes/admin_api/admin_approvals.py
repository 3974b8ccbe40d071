"""Admin API for what waits for a second person: automation may read the list, but no token approves,
whatever its role: the approve endpoint answers 403 and says where a person approves (the web admin's
check page, `check_url`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from notifier.services.sources import approvals
from notifier.services.sources.approval_requests import ApprovalError
from notifier.web.deps import SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_api.admin_api import PREFIX, SourceDepsDep
from notifier.web.routes.admin_api.admin_auth import AdminDep, problem

router = APIRouter(prefix=PREFIX, tags=["admin: approvals"])


@router.get("/approvals")
def waiting(admin: AdminDep, settings: SettingsDep) -> list[dict[str, Any]]:
    """Everything waiting for a person's approval, oldest first."""
    base = settings.public_base_url.rstrip("/")
    return [
        {
            "what": item.what,
            "title": item.title,
            "asked_by": item.asked_by,
            "asked_at": item.asked_at.isoformat(),
            "check_url": f"{base}{item.path}",
        }
        for item in approvals.waiting_items(admin.scope, admin.acting_as)
    ]


@router.post("/approvals/{approval_id}/approve")
def approve(approval_id: RowId, admin: AdminDep, uow: UowDep, deps: SourceDepsDep) -> dict[str, Any]:
    """Always 403 for a token: approvals are made by people, signed in to the web admin."""
    try:
        request = approvals.approve(uow, deps, admin.scope, approval_id, admin.acting_as)
    except ApprovalError as exc:
        raise problem(exc.field, exc.message, conflict=exc.conflict, forbidden=exc.forbidden) from exc
    return {"id": request.id, "status": request.status.value}
