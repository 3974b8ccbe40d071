"""The audit log and the retention evidence as the steering group reads them: filtered, paged and
exported as CSV. Both hold ids and counts only, never a name or an address."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from notifier.db.models import AuditRecord, RetentionEvidence

PAGE_SIZE = 100
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    since: datetime | None = None
    until: datetime | None = None


def _audit_query(network_id: int, wanted: AuditFilter) -> Select[AuditRecord]:
    query = select(AuditRecord).where(AuditRecord.network_id == network_id)
    if wanted.action:
        query = query.where(AuditRecord.action == wanted.action)
    if wanted.actor:
        query = query.where(AuditRecord.actor == wanted.actor)
    if wanted.since:
        query = query.where(AuditRecord.occurred_at >= wanted.since)
    if wanted.until:
        query = query.where(AuditRecord.occurred_at < wanted.until)
    return query


def audit_page(
    session: Session, network_id: int, wanted: AuditFilter, page: int
) -> tuple[list[AuditRecord], int, int]:
    """(rows, page, pages), newest first."""
    query = _audit_query(network_id, wanted)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.scalars(
        query.order_by(AuditRecord.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return list(rows), page, pages


def actions(session: Session, network_id: int) -> list[str]:
    return list(
        session.scalars(
            select(AuditRecord.action)
            .where(AuditRecord.network_id == network_id)
            .distinct()
            .order_by(AuditRecord.action)
        )
    )


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def audit_csv(session: Session, network_id: int, wanted: AuditFilter) -> str:
    rows = session.scalars(_audit_query(network_id, wanted).order_by(AuditRecord.id).limit(EXPORT_LIMIT))
    return _csv(
        ["occurred_at", "actor", "action", "object_type", "object_id", "detail"],
        [
            [
                r.occurred_at.isoformat(),
                r.actor,
                r.action,
                r.object_type,
                r.object_id or "",
                _detail(r.detail),
            ]
            for r in rows
        ],
    )


def _detail(detail: dict[str, Any]) -> str:
    return "; ".join(f"{key}={value}" for key, value in sorted(detail.items()))


def evidence(session: Session, network_id: int, kind: str = "", limit: int = 500) -> list[RetentionEvidence]:
    query = select(RetentionEvidence).where(RetentionEvidence.network_id == network_id)
    if kind:
        query = query.where(RetentionEvidence.kind == kind)
    return list(session.scalars(query.order_by(RetentionEvidence.id.desc()).limit(limit)))


def evidence_csv(session: Session, network_id: int, kind: str = "") -> str:
    return _csv(
        ["run_id", "rule", "period", "cutoff", "started_at", "finished_at", "counts"],
        [
            [
                e.run_id,
                e.kind.value,
                e.period,
                e.cutoff.isoformat(),
                e.started_at.isoformat(),
                e.finished_at.isoformat(),
                _detail(e.counts),
            ]
            for e in evidence(session, network_id, kind, limit=EXPORT_LIMIT)
        ],
    )
