"""Admin API for announcements: draft, preview (the email as a page), test send to the token's holder,
submit and cancelling until the send starts. Approval is a person's, in the web admin: the approve
endpoint answers 403 to every token, whatever its role, and says where to approve."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from notifier.domain.london_times import LocalTimeError, resolve_london
from notifier.services.common.scope import NetworkScope
from notifier.services.sources import announcements as service
from notifier.services.sources.announcement_pages import (
    announcement_topic_ids,
    announcements_of,
    get_announcement,
)
from notifier.services.sources.announcements import AnnouncementError
from notifier.web.deps import SettingsDep, UowDep
from notifier.web.pages import render_page
from notifier.web.params import RowId
from notifier.web.routes.admin_api.admin_api import PREFIX, SourceDepsDep, iso
from notifier.web.routes.admin_api.admin_auth import AdminDep, problem

router = APIRouter(prefix=PREFIX, tags=["admin: announcements"])


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str | None = Field(
        default=None, min_length=1, max_length=63, description="The topic slug (or give `topics`)"
    )
    topics: list[Annotated[str, Field(min_length=1, max_length=63)]] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="Several topic slugs: a reader subscribed to more than one gets it once",
    )
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=50_000, description="Plain paragraphs; no markup is kept")

    @model_validator(mode="after")
    def one_way_to_name_topics(self) -> AnnouncementIn:
        if (self.topic is None) == (self.topics is None):
            raise ValueError("give either topic (one slug) or topics (a list of slugs), not both or neither")
        return self

    @property
    def topic_slugs(self) -> list[str]:
        return [self.topic] if self.topic is not None else list(self.topics or [])


class SubmitIn(BaseModel):
    send_at: datetime | None = Field(default=None, description="When to send (London time if no offset)")


def _out(announcement: Any, scope: NetworkScope) -> dict[str, Any]:
    topic_ids = announcement_topic_ids(scope, announcement)
    return {
        "id": announcement.id,
        "status": announcement.status.value,
        "subject": announcement.subject,
        "topic_id": announcement.topic_id,  # the first of its topics
        "topic_ids": topic_ids,
        "author_token_id": announcement.author_token_id,
        "author_admin_id": announcement.author_admin_id,
        "approved_by_admin_id": announcement.approved_by_admin_id,
        "approver_token_id": announcement.approver_token_id,  # set only by approvals made before 0022
        "send_at": iso(announcement.send_at),
        "message_id": announcement.message_id,
    }


def _refused(exc: AnnouncementError) -> Exception:
    return problem(exc.field, exc.message, conflict=exc.conflict, forbidden=exc.forbidden)


@router.get("/announcements")
def list_announcements(admin: AdminDep) -> list[dict[str, Any]]:
    return [_out(a, admin.scope) for a in announcements_of(admin.scope)]


@router.post("/announcements", status_code=status.HTTP_201_CREATED)
def create_announcement(body: AnnouncementIn, admin: AdminDep, uow: UowDep) -> dict[str, Any]:
    try:
        announcement = service.create_draft(
            uow,
            admin.network,
            admin.acting_as,
            topic_slug=body.topic_slugs,
            subject=body.subject,
            body=body.body,
        )
    except AnnouncementError as exc:
        raise _refused(exc) from exc
    return _out(announcement, admin.scope)


@router.get("/announcements/{announcement_id}")
def show_announcement(announcement_id: RowId, admin: AdminDep) -> dict[str, Any]:
    return _out(get_announcement(admin.scope, announcement_id), admin.scope)


@router.get("/announcements/{announcement_id}/preview", response_class=HTMLResponse)
def preview_announcement(
    announcement_id: RowId, admin: AdminDep, uow: UowDep, settings: SettingsDep
) -> HTMLResponse:
    announcement = get_announcement(admin.scope, announcement_id)
    email = service.preview(uow.session, admin.network, announcement, settings.public_base_url)
    return render_page(
        "announcement_preview.html", title=f"Preview: {email.subject}", email=email, network=admin.network
    )


@router.post("/announcements/{announcement_id}/test-send", status_code=status.HTTP_202_ACCEPTED)
def test_send(announcement_id: RowId, admin: AdminDep, uow: UowDep, deps: SourceDepsDep) -> dict[str, Any]:
    announcement = get_announcement(admin.scope, announcement_id)
    try:
        message = service.send_test_email(uow, deps, admin.network, announcement, admin.acting_as)
    except AnnouncementError as exc:
        raise _refused(exc) from exc
    return {"message_id": message.id}


@router.post("/announcements/{announcement_id}/submit")
def submit(
    announcement_id: RowId, body: SubmitIn, admin: AdminDep, uow: UowDep, deps: SourceDepsDep
) -> dict[str, Any]:
    announcement = get_announcement(admin.scope, announcement_id)
    try:
        send_at = resolve_london(body.send_at, "send_at").at if body.send_at else None
    except LocalTimeError as exc:
        raise problem(exc.field, exc.message) from exc
    try:
        service.submit(uow, deps, admin.network, announcement, admin.acting_as, send_at=send_at)
    except AnnouncementError as exc:
        raise _refused(exc) from exc
    return _out(announcement, admin.scope)


@router.post("/announcements/{announcement_id}/approve")
def approve(announcement_id: RowId, admin: AdminDep, uow: UowDep) -> dict[str, Any]:
    """Always 403 for a token: a person approves in the web admin (/admin/{network}/announcements/{id})."""
    announcement = get_announcement(admin.scope, announcement_id)
    try:
        service.approve(uow, announcement, admin.acting_as)
    except AnnouncementError as exc:
        raise _refused(exc) from exc
    return _out(announcement, admin.scope)


@router.post("/announcements/{announcement_id}/cancel")
def cancel(announcement_id: RowId, admin: AdminDep, uow: UowDep) -> dict[str, Any]:
    announcement = get_announcement(admin.scope, announcement_id)
    try:
        service.cancel(uow, announcement, admin.acting_as)
    except AnnouncementError as exc:
        raise _refused(exc) from exc
    return _out(announcement, admin.scope)
