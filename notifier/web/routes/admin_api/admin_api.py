"""Admin API: events (site content added by hand) and messages (progress, cancelling), and the audit
trail. Meetings and announcements have their own modules; all share /admin/api/networks/{slug}."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from notifier.services.admin.audit_log import recent_lines
from notifier.services.admin.reporting import (
    MessageProgress,
    NotCancellable,
    cancel_message,
    message_list,
    message_with_progress,
)
from notifier.services.sources.admin_events import PageByHand, add_page_by_hand, event_list
from notifier.services.sources.content_hook import browser_url
from notifier.services.sources.frontmatter import FieldProblem
from notifier.services.sources.meetings import SourceDeps
from notifier.web.deps import NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_api.admin_auth import AdminDep, AdminTokenDep, ApproverTokenDep, problem

PREFIX = "/admin/api/networks/{network_slug}"
router = APIRouter(prefix=PREFIX, tags=["admin"])
Limit = Annotated[int, Query(ge=1, le=500)]


def _source_deps(settings: SettingsDep, queue: QueueDep) -> SourceDeps:
    return SourceDeps.from_settings(settings, queue)


SourceDepsDep = Annotated[SourceDeps, Depends(_source_deps)]


class EventIn(BaseModel):
    """A page of the network's site, given by hand: the same fields as the publish hook's front matter."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=500, pattern=r"^https://")
    collection: str = Field(default="posts", max_length=100)
    front_matter: dict[str, Any] = Field(description="title, excerpt, date, author, tags, event: {...}")
    body: str | None = Field(default=None, max_length=200_000)

    @field_validator("url")
    @classmethod
    def _as_a_browser_sends_it(cls, value: str) -> str:
        return browser_url(value)


def _event_out(event: Any) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind.value,
        "title": event.title,
        "created_at": event.created_at.isoformat(),
        "source_key": event.source_key,
    }


@router.get("/events")
def list_events(admin: AdminDep, limit: Limit = 100) -> list[dict[str, Any]]:
    return [_event_out(e) for e in event_list(admin.scope, limit)]


@router.post("/events", status_code=status.HTTP_201_CREATED)
def create_event(
    body: EventIn, admin: AdminDep, uow: UowDep, queue: QueueDep, settings: SettingsDep
) -> dict[str, Any]:
    """A page given by hand. On a network that requires sign-off it waits for a person to approve it in
    the web admin (`status: "awaiting_approval"`, `approval_request_id`) and nothing is sent."""
    page = PageByHand(body.url, body.collection, body.front_matter, body.body)
    try:
        outcome, waiting = add_page_by_hand(
            uow, queue, admin.scope, page, actor=admin.acting_as, base_url=settings.public_base_url
        )
    except FieldProblem as exc:
        raise problem(exc.field, exc.message) from exc
    return {
        "status": "awaiting_approval" if waiting else outcome.status.value,
        "event_id": outcome.event_id,
        "message_ids": list(outcome.message_ids),
        "warnings": outcome.warnings,
        "topics": list(outcome.topics),
        "approval_request_id": waiting,
    }


def _message_out(message: Any, progress: MessageProgress) -> dict[str, Any]:
    return {
        "id": message.id,
        "email_kind": message.email_kind,
        "event_id": message.event_id,
        "topic": progress.topic,
        "status": progress.status,
        "note": progress.note,
        "counts": progress.counts,
        "failures": [{"reason": reason, "count": count} for reason, count in progress.failures],
        "created_at": message.created_at.isoformat(),
    }


@router.get("/messages")
def list_messages(admin: AdminDep, limit: Limit = 100) -> list[dict[str, Any]]:
    return [_message_out(m, progress) for m, progress in message_list(admin.scope, limit)]


@router.get("/messages/{message_id}")
def get_message(message_id: RowId, admin: AdminDep) -> dict[str, Any]:
    return _message_out(*message_with_progress(admin.scope, message_id))


@router.post("/messages/{message_id}/cancel")
def cancel(message_id: RowId, admin: ApproverTokenDep, now: NowDep) -> dict[str, Any]:
    """Stop a message: what is still queued is skipped; what Notify has taken cannot be recalled."""
    try:
        return _message_out(*cancel_message(admin.scope, message_id, actor=admin.actor, now=now))
    except NotCancellable as exc:
        raise problem("message", str(exc), conflict=True) from exc


@router.get("/audit")
def audit_trail(admin: AdminTokenDep, uow: UowDep, limit: Limit = 100) -> list[dict[str, Any]]:
    """Newest first; `who` and `summary` name the people behind the ids (the records hold ids only)."""
    return [
        {
            "id": line.record.id,
            "actor": line.record.actor,
            "who": line.who,
            "action": line.record.action,
            "object_type": line.record.object_type,
            "object_id": line.record.object_id,
            "detail": line.record.detail,
            "summary": line.summary,
            "occurred_at": line.record.occurred_at.isoformat(),
        }
        for line in recent_lines(uow.session, admin.network.id, limit)
    ]


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
