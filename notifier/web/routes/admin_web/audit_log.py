"""The audit log and the retention evidence (admin role): filtered, paged and exported as CSV."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from notifier.domain.london_times import LONDON
from notifier.domain.retention import RetentionKind
from notifier.services.admin import audit_log
from notifier.services.admin.audit_log import AuditFilter
from notifier.services.common import audit
from notifier.web.deps import UowDep
from notifier.web.routes.admin_web.session import AdminRoleDep, SignedIn

router = APIRouter(tags=["admin pages"], include_in_schema=False)


def _day(text: str, *, end: bool = False) -> tuple[datetime | None, str]:
    """A date (London) as the start of that day, or the start of the next one for `end`; an error."""
    if not text.strip():
        return None, ""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None, "Enter a date like 2026-11-30"
    return datetime.combine(day + timedelta(days=1 if end else 0), time(), tzinfo=LONDON), ""


def _filter(action: str, actor: str, since: str, until: str) -> tuple[AuditFilter, dict[str, str]]:
    start, start_error = _day(since)
    end, end_error = _day(until, end=True)
    errors = {name: text for name, text in (("since", start_error), ("until", end_error)) if text}
    return AuditFilter(action.strip()[:60], actor.strip()[:60], start, end), errors


def _csv(signed_in: SignedIn, text: str, name: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{signed_in.network.slug}-{name}.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/admin/{slug}/audit", response_class=HTMLResponse)
def audit_page(
    signed_in: AdminRoleDep,
    uow: UowDep,
    action: str = "",
    actor: str = "",
    since: str = "",
    until: str = "",
    page: int = 1,
) -> HTMLResponse:
    wanted, errors = _filter(action, actor, since, until)
    rows, page, pages = audit_log.audit_page(uow.session, signed_in.network.id, wanted, page)
    return signed_in.page(
        "audit.html",
        title="Audit log",
        active="audit",
        status_code=400 if errors else 200,
        errors=errors,
        rows=rows,
        page=page,
        pages=pages,
        actions=audit_log.actions(uow.session, signed_in.network.id),
        actors=audit_log.actors(uow.session, signed_in.network.id),
        query={"action": action, "actor": actor, "since": since, "until": until},
    )


@router.get("/admin/{slug}/audit.csv")
def audit_export(
    signed_in: AdminRoleDep, uow: UowDep, action: str = "", actor: str = "", since: str = "", until: str = ""
) -> Response:
    wanted, _errors = _filter(action, actor, since, until)
    text = audit_log.audit_csv(uow.session, signed_in.network.id, wanted)
    audit.record(
        uow.session, signed_in.network.id, signed_in.actor, "audit_exported", "network", signed_in.network.id
    )
    return _csv(signed_in, text, "audit")


@router.get("/admin/{slug}/retention", response_class=HTMLResponse)
def retention_page(signed_in: AdminRoleDep, uow: UowDep, rule: str = "") -> HTMLResponse:
    rule = rule if rule in {k.value for k in RetentionKind} else ""
    return signed_in.page(
        "retention.html",
        title="Retention evidence",
        active="audit",
        rows=audit_log.evidence(uow.session, signed_in.network.id, rule),
        rules=[k.value for k in RetentionKind],
        rule=rule,
    )


@router.get("/admin/{slug}/retention.csv")
def retention_export(signed_in: AdminRoleDep, uow: UowDep, rule: str = "") -> Response:
    rule = rule if rule in {k.value for k in RetentionKind} else ""
    text = audit_log.evidence_csv(uow.session, signed_in.network.id, rule)
    audit.record(
        uow.session,
        signed_in.network.id,
        signed_in.actor,
        "retention_evidence_exported",
        "network",
        signed_in.network.id,
    )
    return _csv(signed_in, text, "retention-evidence")
