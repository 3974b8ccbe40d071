"""Admin API: events (site content added by hand) and messages (progress, cancelling), and the audit
trail. Meetings and announcements have their own modules; all share /admin/api/networks/{slug}."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select, update

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Event, Message
from notifier.domain.ids import storable_id
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import DeliveryStatus, MessageStatus
from notifier.repositories import messages as message_repo
from notifier.services.admin.reporting import message_progress
from notifier.services.common import audit
from notifier.services.sources import frontmatter
from notifier.services.sources.content_hook import PageFields, browser_url, read_page, receive_page
from notifier.services.sources.meetings import SourceDeps
from notifier.web.deps import QueueDep, SettingsDep, UowDep
from notifier.web.routes.admin_api.admin_auth import AdminDep, not_found, problem

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


def _event_out(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind.value,
        "title": event.title,
        "created_at": event.created_at.isoformat(),
        "source_key": event.source_key,
    }


@router.get("/events")
def list_events(admin: AdminDep, uow: UowDep, limit: Limit = 100) -> list[dict[str, Any]]:
    events = uow.session.scalars(
        select(Event).where(Event.network_id == admin.network.id).order_by(Event.id.desc()).limit(limit)
    )
    return [_event_out(e) for e in events]


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).netloc
    except ValueError:  # e.g. "https://[": not a link at all
        return None


@router.post("/events", status_code=status.HTTP_201_CREATED)
def create_event(body: EventIn, admin: AdminDep, uow: UowDep, queue: QueueDep) -> dict[str, Any]:
    if _host(body.url) != urlsplit(admin.network.site_url).netloc:
        raise problem("url", f"must be on the network's site {admin.network.site_url}")
    try:
        page = read_page(
            url=body.url,
            collection=body.collection,
            layout="",
            revision=None,
            fields=PageFields.merge(
                body.front_matter, {}, json.dumps(body.front_matter, sort_keys=True, default=str)
            ),
            body=body.body,
            field_map=admin.network.settings.get("fields"),
        )
    except frontmatter.FieldProblem as exc:
        raise problem(exc.field, exc.message) from exc
    outcome = receive_page(uow, queue, admin.network, page)
    audit.record(uow.session, admin.network.id, admin.actor, "event.create", "event", outcome.event_id)
    return {
        "status": outcome.status.value,
        "event_id": outcome.event_id,
        "message_ids": list(outcome.message_ids),
        "warnings": outcome.warnings,
    }


def _message_out(uow: UowDep, message: Message) -> dict[str, Any]:
    progress = message_progress(uow.session, message.id)
    assert progress is not None
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
def list_messages(admin: AdminDep, uow: UowDep, limit: Limit = 100) -> list[dict[str, Any]]:
    messages = uow.session.scalars(
        select(Message).where(Message.network_id == admin.network.id).order_by(Message.id.desc()).limit(limit)
    )
    return [_message_out(uow, m) for m in messages]


def _message(uow: UowDep, admin: AdminDep, message_id: int) -> Message:
    if not storable_id(message_id):
        raise not_found("message")
    message = message_repo.get_message(uow.session, message_id)
    if message is None or message.network_id != admin.network.id:
        raise not_found("message")
    return message


@router.get("/messages/{message_id}")
def get_message(message_id: int, admin: AdminDep, uow: UowDep) -> dict[str, Any]:
    return _message_out(uow, _message(uow, admin, message_id))


@router.post("/messages/{message_id}/cancel")
def cancel_message(message_id: int, admin: AdminDep, uow: UowDep) -> dict[str, Any]:
    """Stop a message: what is still queued is skipped; what Notify has taken cannot be recalled."""
    admin.require(AdminRole.APPROVER)
    message = _message(uow, admin, message_id)
    now = utcnow()
    live = {MessageStatus.PENDING, MessageStatus.FANNING_OUT, MessageStatus.SENDING}
    if not message_repo.set_message_status(
        uow.session, message.id, MessageStatus.CANCELLED, now, only_from=live, note="cancelled by an admin"
    ):
        raise problem("message", f"is {message.status.value} and cannot be cancelled", conflict=True)
    uow.session.execute(
        update(Delivery)
        .where(Delivery.message_id == message.id, Delivery.status == DeliveryStatus.QUEUED)
        .values(
            status=DeliveryStatus.SKIPPED,
            failure_reason="message cancelled",
            updated_at=now,
            completed_at=now,
        )
    )
    audit.record(uow.session, admin.network.id, admin.actor, "message.cancel", "message", message.id)
    uow.session.refresh(message)
    return _message_out(uow, message)


@router.get("/audit")
def audit_trail(admin: AdminDep, uow: UowDep, limit: Limit = 100) -> list[dict[str, Any]]:
    admin.require(AdminRole.ADMIN)
    return [
        {
            "id": r.id,
            "actor": r.actor,
            "action": r.action,
            "object_type": r.object_type,
            "object_id": r.object_id,
            "detail": r.detail,
            "occurred_at": r.occurred_at.isoformat(),
        }
        for r in audit.recent(uow.session, admin.network.id, limit)
    ]


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
