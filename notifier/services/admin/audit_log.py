"""The audit log and the retention evidence as the steering group reads them: filtered, paged and
exported as CSV. Both hold ids and counts only, never a name or an address; the log's pages and its
CSV name the people behind the ids as they are read (`services/common/audit_lines.py`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from notifier.db.models import AuditRecord, RetentionEvidence
from notifier.services.admin.people import safe_cell
from notifier.services.common.actor_names import actor_names
from notifier.services.common.audit_lines import AuditLine, named
from notifier.services.common.audit_words import action_label

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
) -> tuple[list[AuditLine], int, int]:
    """(lines, page, pages), newest first, each naming who did it."""
    query = _audit_query(network_id, wanted)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.scalars(
        query.order_by(AuditRecord.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return named(list(rows), actor_names(session, network_id)), page, pages


def actions(session: Session, network_id: int) -> list[tuple[str, str]]:
    """The network's actions as the filter lists them: (action, in words)."""
    found = session.scalars(select(AuditRecord.action).where(AuditRecord.network_id == network_id).distinct())
    return sorted(((action, action_label(action)) for action in found), key=lambda pair: pair[1])


def actors(session: Session, network_id: int) -> list[tuple[str, str]]:
    """Everyone (and everything) the network's records name as having acted: (actor, named)."""
    names = actor_names(session, network_id)
    found = session.scalars(select(AuditRecord.actor).where(AuditRecord.network_id == network_id).distinct())
    return sorted(((actor, names.actor(actor)) for actor in found), key=lambda pair: pair[1].lower())


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def audit_csv(session: Session, network_id: int, wanted: AuditFilter) -> str:
    rows = session.scalars(_audit_query(network_id, wanted).order_by(AuditRecord.id).limit(EXPORT_LIMIT))
    lines = named(list(rows), actor_names(session, network_id))
    return _csv(
        ["occurred_at", "actor", "who", "action", "object_type", "object_id", "detail", "summary"],
        [
            [
                line.record.occurred_at.isoformat(),
                line.record.actor,
                safe_cell(line.who),
                line.record.action,
                line.record.object_type,
                line.record.object_id or "",
                _detail(line.record.detail),
                safe_cell(line.summary),
            ]
            for line in lines
        ],
    )


def recent_lines(session: Session, network_id: int, limit: int) -> list[AuditLine]:
    """The newest records, named (the admin API's audit)."""
    query = select(AuditRecord).where(AuditRecord.network_id == network_id).order_by(AuditRecord.id.desc())
    return named(list(session.scalars(query.limit(limit))), actor_names(session, network_id))


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
