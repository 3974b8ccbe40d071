"""The audit trail as sentences that name people: "Sam Patel (approver) approved announcement 12,
asked by Jo Evans (editor)". Records hold ids only; the names are looked up as the log is read
(services/common/actor_names.py), so the log shows who did what without storing anyone's name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notifier.db.models import AuditRecord
from notifier.domain.sign_off import ApprovalKind
from notifier.services.common.actor_names import ActorNames

AT_ONCE = {
    "time_change_at_once": "sent at once without approval: a change of time alone",
    "cancellation_at_once": "sent at once without approval: a cancellation without a note",
    "awaiting": "waiting for a second person's approval",
    "never_approved": "nothing was sent: it was never approved",
}


@dataclass(frozen=True)
class AuditLine:
    record: AuditRecord
    who: str
    summary: str


def _kind(detail: dict[str, Any]) -> str:
    kind = detail.get("kind")
    return ApprovalKind(kind).label.lower() if kind in set(ApprovalKind) else "request"


def summary(record: AuditRecord, names: ActorNames) -> str:
    who, detail = names.actor(record.actor), record.detail
    what = f"{record.object_type.replace('_', ' ')}{f' {record.object_id}' if record.object_id else ''}"
    asked = f", asked by {names.actor(detail['asked_by'])}" if detail.get("asked_by") else ""
    if record.action == "announcement.send":
        approved = detail.get("approved_by")
        by = f"approved by {names.actor(approved)}" if approved else "no sign-off was required"
        return (
            f"Announcement {record.object_id} went out: asked by {names.actor(detail.get('asked_by'))}, {by}"
        )
    if record.action in ("announcement.approve", "approval.approve"):
        subject = what if record.action == "announcement.approve" else f"the {_kind(detail)} ({what})"
        return f"{who} approved {subject}{asked}"
    if record.action == "approval.decline":
        return f"{who} declined the {_kind(detail)} ({what}){asked}"
    text = f"{who}: {record.action} {what}"
    if detail.get("approved_by"):
        text += f", approved by {names.actor(detail['approved_by'])}"
    if detail.get("sign_off") in AT_ONCE:
        text += f" ({AT_ONCE[detail['sign_off']]})"
    return text


def named(records: list[AuditRecord], names: ActorNames) -> list[AuditLine]:
    return [AuditLine(r, names.actor(r.actor), summary(r, names)) for r in records]
