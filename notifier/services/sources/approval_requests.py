"""Asking for a second person's approval: the `approval_request` row that holds what will be done once
someone else approves it, its audit record, and the email to everyone who may decide.

Only the asking lives here; deciding (and doing what was asked) is `approvals.py`'s, which calls into
the meeting and content services, so those services can ask without depending on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from notifier.db.base import utcnow
from notifier.db.models import ApprovalRequest, Network
from notifier.db.session import UnitOfWork
from notifier.domain.sign_off import ApprovalKind, ApprovalStatus
from notifier.services.common import audit
from notifier.services.common.actors import Actor
from notifier.services.common.ports import TaskQueue
from notifier.services.delivery.email_previews import EmailPreview
from notifier.services.sources.approval_emails import WaitingEmail, tell_approvers


class ApprovalError(ValueError):
    """An approval cannot be asked for, given or withdrawn as asked; the message names the field."""

    def __init__(self, field: str, message: str, *, conflict: bool = False, forbidden: bool = False) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.conflict, self.forbidden = field, message, conflict, forbidden


@dataclass(frozen=True)
class Ask:
    """What to ask approval for: the kind, what lists show, and what to do once approved."""

    kind: ApprovalKind
    title: str
    payload: dict[str, Any]
    meeting_id: int | None = None


@dataclass(frozen=True)
class Told:
    """Whom to tell: the email as it will be sent and how many it reaches; None for a setting."""

    email: EmailPreview | None
    people: int = 0


def waiting_for_meeting(uow: UnitOfWork, meeting_id: int) -> ApprovalRequest | None:
    query = select(ApprovalRequest).where(
        ApprovalRequest.meeting_id == meeting_id, ApprovalRequest.status == ApprovalStatus.AWAITING
    )
    return uow.session.scalars(query).one_or_none()


def ask(
    uow: UnitOfWork,
    queue: TaskQueue,
    network: Network,
    asked: Ask,
    actor: Actor,
    told: Told,
    *,
    base_url: str,
) -> ApprovalRequest:
    """Store the request (one may wait per meeting, and one setting change per network), audit it and
    email the people who may decide. Raises ApprovalError(conflict) when one already waits."""
    request = ApprovalRequest(
        network_id=network.id,
        kind=asked.kind,
        status=ApprovalStatus.AWAITING,
        meeting_id=asked.meeting_id,
        title=asked.title[:300],
        payload=asked.payload,
        asked_by=actor.audit_name,
        asked_by_admin_id=actor.person_id,
        created_at=utcnow(),
    )
    try:
        with uow.session.begin_nested():
            uow.session.add(request)
            uow.session.flush()
    except IntegrityError as exc:
        raise ApprovalError(
            "approval",
            "something else for this is already waiting for approval: it must be decided or withdrawn first",
            conflict=True,
        ) from exc
    audit.record(
        uow.session, network.id, actor.audit_name, "approval.ask", "approval_request", request.id,
        kind=asked.kind.value, meeting_id=asked.meeting_id,
    )  # fmt: skip
    if told.email is not None:
        path = f"/admin/{network.slug}/approvals/{request.id}"
        waiting = WaitingEmail(
            asked.kind.label, request.title, told.email, told.people, path, asked.kind.needs
        )
        tell_approvers(uow, queue, network, waiting, actor, base_url)
    return request


def withdraw_waiting(uow: UnitOfWork, network: Network, meeting_id: int, actor: str, *, reason: str) -> None:
    """A meeting cancelled while something of it waits: that request will never be needed."""
    request = waiting_for_meeting(uow, meeting_id)
    if request is None:
        return
    request.status, request.decided_at = ApprovalStatus.WITHDRAWN, utcnow()
    request.decision_note = reason
    audit.record(
        uow.session, network.id, actor, "approval.withdraw", "approval_request", request.id,
        kind=request.kind.value, reason=reason,
    )  # fmt: skip
