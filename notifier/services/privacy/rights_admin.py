"""Data-subject requests as the steering group handles them in the admin web: the list with deadlines,
a request with its person and history, the person's export bundle (audited), and the steps a
request can take (verify one checked another way, mark done, erase now)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from notifier.config import Settings
from notifier.db.models import AuditRecord, DataRequest, Subscriber
from notifier.domain.rights import DataRequestKind, DataRequestStatus
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common import audit
from notifier.services.common.actor_names import actor_names
from notifier.services.common.audit_lines import AuditLine, named
from notifier.services.common.scope import NetworkScope, NotFound
from notifier.services.privacy import rights
from notifier.services.privacy.erasure import carry_out_erasure
from notifier.services.privacy.rights_export import bundle_as_csv, export_bundle


def request_list(
    scope: NetworkScope, *, closed: bool, now: datetime
) -> list[tuple[DataRequest, dict[str, Any]]]:
    found = rights.requests_for_admin(scope.session, scope.network_id, open_only=not closed)
    return [(r, rights.deadline_summary(r, now)) for r in found]


def _request(scope: NetworkScope, request_id: int) -> DataRequest:
    found = rights.open_request(scope.session, scope.network_id, request_id)
    if found is None:
        raise NotFound("request")
    return found


@dataclass(frozen=True)
class RequestView:
    request: DataRequest
    person: Subscriber | None
    summary: dict[str, Any]
    history: list[AuditLine]  # in words, naming people
    recorded_by: str  # who recorded it on the person's behalf, named ("" when the person made it)

    @property
    def can_mark_done(self) -> bool:
        return (
            self.request.status is DataRequestStatus.OPEN and self.request.kind is not DataRequestKind.ERASURE
        )

    @property
    def can_erase(self) -> bool:
        return self.request.status is DataRequestStatus.OPEN and self.request.kind is DataRequestKind.ERASURE


def request_view(scope: NetworkScope, request_id: int, now: datetime) -> RequestView:
    request = _request(scope, request_id)
    person = (
        subscriber_repo.get_subscriber(scope.session, request.network_id, request.subscriber_id)
        if request.subscriber_id
        else None
    )
    history = scope.rows(AuditRecord).where(
        AuditRecord.object_type == "data_request", AuditRecord.object_id == request.id
    )
    names = actor_names(scope.session, scope.network_id)
    recorded_by = request.recorded_by_admin_id
    return RequestView(
        request,
        person,
        rights.deadline_summary(request, now),
        named(list(scope.session.scalars(history.order_by(AuditRecord.id))), names),
        names.person(recorded_by) if recorded_by else "",
    )


@dataclass(frozen=True)
class RequestExport:
    filename: str
    text: str
    media_type: str


def export_request(
    scope: NetworkScope, settings: Settings, request_id: int, fmt: str, *, actor: str, now: datetime
) -> RequestExport:
    """Everything held about the request's person, audited; NotFound when there is nobody to export."""
    request = _request(scope, request_id)
    if fmt not in ("json", "csv") or request.subscriber_id is None:
        raise NotFound("export")
    person = scope.get(Subscriber, request.subscriber_id, what="person")
    bundle = export_bundle(
        scope.session, person, notify_retention_days=settings.notify_retention_days, now=now
    )
    audit.record(
        scope.session,
        scope.network_id,
        actor,
        "data_request.exported",
        "data_request",
        request.id,
        format=fmt,
    )
    if fmt == "json":
        return RequestExport(f"request-{request.id}.json", json.dumps(bundle, indent=2), "application/json")
    return RequestExport(f"request-{request.id}.csv", bundle_as_csv(bundle), "text/csv; charset=utf-8")


class Step(StrEnum):
    VERIFY = "verify"
    DONE = "done"
    ERASE = "erase"


class StepRefused(ValueError):
    """The request is not in a state that takes this step; nothing was changed."""

    def __init__(self, request: DataRequest) -> None:
        super().__init__(f"it is {request.status.value.replace('_', ' ')}")
        self.request = request


def take_step(
    scope: NetworkScope,
    settings: Settings,
    request_id: int,
    step: Step,
    *,
    outcome: str,
    actor: str,
    now: datetime,
) -> str:
    """Verify, mark done or erase; the word for what happened, or StepRefused."""
    session, request = scope.session, _request(scope, request_id)
    if step is Step.VERIFY and request.status is DataRequestStatus.AWAITING_VERIFICATION:
        audit.record(
            session, scope.network_id, actor, "data_request.verified_by_admin", "data_request", request.id
        )
        rights.verify(session, rights.RightsContext.from_settings(settings), request, now, actor=actor)
        return "verified"
    if step is Step.DONE and rights.mark_done(session, request, outcome, actor=actor, now=now):
        return "done"
    if (
        step is Step.ERASE
        and request.status is DataRequestStatus.OPEN
        and request.kind is DataRequestKind.ERASURE
    ):
        audit.record(session, scope.network_id, actor, "data_request.erase_now", "data_request", request.id)
        carry_out_erasure(session, request, notify_retention_days=settings.notify_retention_days, now=now)
        return "erased"
    raise StepRefused(request)
