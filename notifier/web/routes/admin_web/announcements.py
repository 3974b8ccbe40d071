"""Announcements in the browser: write with a preview of the email, send a test to yourself, submit
for sign-off, approval by someone else with the approver role, schedule, change the send time or
cancel until it starts, and once sent its funnel. The rules are the announcement service's
(services/sources/announcements.py); the admin acts through their acting token (services/admin/acting.py),
and is audited as themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from notifier.config import Settings
from notifier.db.models import Announcement, ApiToken
from notifier.domain.london_times import LONDON, LocalTimeError, resolve_london
from notifier.domain.sources import AdminRole, AnnouncementStatus
from notifier.gateway.base import GatewayUnavailable
from notifier.gateway.preview import NotifyPreviewer
from notifier.rendering.emails import RenderedEmail
from notifier.repositories import networks as network_repo
from notifier.services.admin.acting import acting_token
from notifier.services.admin.reporting import message_progress
from notifier.services.sources import announcements as service
from notifier.services.sources.announcements import CANCELLABLE, SUBMITTED, AnnouncementError
from notifier.services.sources.meetings import SourceDeps
from notifier.web.deps import QueueDep, SettingsDep, UowDep
from notifier.web.routes.admin_web.session import SignedIn, SignedInDep, not_found

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]
CODES = {"conflict": status.HTTP_409_CONFLICT, "forbidden": status.HTTP_403_FORBIDDEN}


PREVIEW_TIMEOUT_SECONDS = 5.0


def notify_html(settings: Settings, signed_in: SignedIn, email: RenderedEmail) -> str | None:
    """The email's HTML as Notify renders it, or None when Notify is not configured or not answering
    (the page then shows the markdown alone and says so)."""
    template_id = signed_in.network.notify_template_id or settings.notify_template_id
    if not settings.notify_api_key or not template_id:
        return None
    previewer = NotifyPreviewer(
        settings.notify_api_key,
        settings.notify_base_url,
        min(settings.notify_timeout_seconds, PREVIEW_TIMEOUT_SECONDS),
    )
    try:
        return previewer.preview(template_id, subject=email.subject, body=email.body).html
    except GatewayUnavailable:
        return None


def _token(signed_in: SignedIn, uow: UowDep) -> ApiToken:
    return acting_token(uow.session, signed_in.admin, signed_in.person)


def _get(signed_in: SignedIn, uow: UowDep, announcement_id: int) -> Announcement:
    announcement = uow.session.get(Announcement, announcement_id)
    if announcement is None or announcement.network_id != signed_in.network.id:
        raise not_found()
    return announcement


@router.get("/admin/{slug}/announcements", response_class=HTMLResponse)
def list_announcements(signed_in: SignedInDep, uow: UowDep) -> HTMLResponse:
    rows = list(
        uow.session.scalars(
            select(Announcement)
            .where(Announcement.network_id == signed_in.network.id)
            .order_by(Announcement.id.desc())
            .limit(200)
        )
    )
    waiting = [a for a in rows if a.status is AnnouncementStatus.AWAITING_APPROVAL]
    topics = {t.id: t.name for t in network_repo.list_topics(uow.session, signed_in.network.id)}
    return signed_in.page(
        "announcements.html",
        title="Announcements",
        active="announcements",
        rows=waiting + [a for a in rows if a not in waiting],
        topics=topics,
    )


def _form(
    signed_in: SignedIn,
    uow: UowDep,
    *,
    topic: str = "",
    subject: str = "",
    body: str = "",
    errors: dict[str, str] | None = None,
    preview: RenderedEmail | None = None,
    preview_html: str | None = None,
) -> HTMLResponse:
    return signed_in.page(
        "announcement_form.html",
        title="Write an announcement",
        active="announcements",
        status_code=400 if errors else 200,
        error_title=bool(errors),
        topics=network_repo.list_topics(uow.session, signed_in.network.id),
        topic=topic,
        subject=subject,
        body=body,
        errors=errors or {},
        preview=preview,
        preview_html=preview_html,
    )


@router.get("/admin/{slug}/announcements/new", response_class=HTMLResponse)
def new_announcement(signed_in: SignedInDep, uow: UowDep) -> HTMLResponse:
    signed_in.require(AdminRole.EDITOR)
    return _form(signed_in, uow)


def _check(signed_in: SignedIn, uow: UowDep, topic: str, subject: str, body: str) -> dict[str, str]:
    errors = {}
    if network_repo.get_topic_by_slug(uow.session, signed_in.network.id, topic) is None:
        errors["topic"] = "Select the topic whose subscribers get the announcement"
    if not " ".join(subject.split()) or len(subject) > 300:
        errors["subject"] = "Enter a subject of 1 to 300 characters"
    if not body.strip() or len(body) > 50_000:
        errors["body"] = "Enter the announcement, up to 50,000 characters"
    return errors


@router.post("/admin/{slug}/announcements/new", response_class=HTMLResponse)
def save_announcement(
    signed_in: SignedInDep,
    uow: UowDep,
    settings: SettingsDep,
    topic: FormText = "",
    subject: FormText = "",
    body: FormText = "",
    action: FormText = "save",
    fragment: FormText = "",
) -> Response:
    signed_in.require(AdminRole.EDITOR)
    errors = _check(signed_in, uow, topic, subject, body)
    if errors:
        return _form(signed_in, uow, topic=topic, subject=subject, body=body, errors=errors)
    if action == "preview":
        found = network_repo.get_topic_by_slug(uow.session, signed_in.network.id, topic)
        draft = Announcement(
            network_id=signed_in.network.id,
            topic_id=found.id if found else 0,
            subject=" ".join(subject.split()),
            body=body.strip(),
        )
        email = service.preview(uow.session, signed_in.network, draft, settings.public_base_url)
        html = notify_html(settings, signed_in, email)
        if fragment == "yes":  # the live preview asks for the preview alone
            return signed_in.page("_email_preview.html", title="Preview", email=email, preview_html=html)
        return _form(
            signed_in, uow, topic=topic, subject=subject, body=body, preview=email, preview_html=html
        )
    announcement = service.create_draft(
        uow, signed_in.network, _token(signed_in, uow), topic_slug=topic, subject=subject, body=body
    )
    return RedirectResponse(
        f"{signed_in.base}/announcements/{announcement.id}", status_code=status.HTTP_303_SEE_OTHER
    )


def _page(
    signed_in: SignedIn,
    uow: UowDep,
    settings: SettingsDep,
    announcement: Announcement,
    *,
    error: AnnouncementError | str | None = None,
    notice: str = "",
) -> HTMLResponse:
    email = service.preview(uow.session, signed_in.network, announcement, settings.public_base_url)
    author = uow.session.get(ApiToken, announcement.author_token_id) if announcement.author_token_id else None
    mine = author is not None and author.holder_email == signed_in.person.email
    code = 200
    if isinstance(error, AnnouncementError):
        code = CODES["conflict"] if error.conflict else CODES["forbidden"] if error.forbidden else 400
    elif error:
        code = 400
    progress = message_progress(uow.session, announcement.message_id) if announcement.message_id else None
    return signed_in.page(
        "announcement.html",
        title=announcement.subject,
        active="announcements",
        status_code=code,
        error_title=bool(error),
        error=error.message if isinstance(error, AnnouncementError) else error,
        notice=notice,
        announcement=announcement,
        email=email,
        preview_html=notify_html(settings, signed_in, email),
        mine=mine,
        can_approve=signed_in.admin.role.allows(AdminRole.APPROVER) and not mine,
        cancellable=announcement.status in CANCELLABLE,
        reschedulable=announcement.status in SUBMITTED,
        send_at_text=_london_text(announcement.send_at),
        progress=progress,
    )


@router.get("/admin/{slug}/announcements/{announcement_id}", response_class=HTMLResponse)
def show_announcement(
    announcement_id: int, signed_in: SignedInDep, uow: UowDep, settings: SettingsDep, done: str = ""
) -> HTMLResponse:
    notices = {
        "test": "We are sending a test to your address.",
        "submitted": "Submitted.",
        "approved": "Approved: it will be sent at the time shown.",
        "cancelled": "Cancelled: nothing will be sent.",
        "rescheduled": "The send time was changed.",
        "reapproval": "The send time was changed, so it needs approval again.",
    }
    announcement = _get(signed_in, uow, announcement_id)
    return _page(signed_in, uow, settings, announcement, notice=notices.get(done, ""))


def _london_text(moment: datetime | None) -> str:
    """A send time as the form takes it (London wall time), to change it from where it is."""
    return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") if moment else ""


def _parse_send_at(text: str) -> datetime | str | None:
    text = text.strip()
    if not text:
        return None
    try:
        typed = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return "Enter the send time as a date and time, like 2026-12-01 09:30, or leave it blank"
    try:
        return resolve_london(typed, "send_at").at  # a London wall time; a skipped hour is refused
    except LocalTimeError as exc:
        return exc.message


@router.post("/admin/{slug}/announcements/{announcement_id}/{step}", response_class=HTMLResponse)
def act_on_announcement(
    announcement_id: int,
    step: str,
    signed_in: SignedInDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    send_at: FormText = "",
) -> Response:
    announcement = _get(signed_in, uow, announcement_id)
    token = _token(signed_in, uow)
    try:
        if step == "test-send":
            signed_in.require(AdminRole.EDITOR)
            service.send_test_email(
                uow, SourceDeps.from_settings(settings, queue), signed_in.network, announcement, token
            )
            done = "test"
        elif step == "submit":
            signed_in.require(AdminRole.EDITOR)
            when = _parse_send_at(send_at)
            if isinstance(when, str):
                return _page(signed_in, uow, settings, announcement, error=when)
            service.submit(uow, signed_in.network, announcement, token, send_at=when)
            done = "submitted"
        elif step == "reschedule":
            signed_in.require(AdminRole.EDITOR)
            when = _parse_send_at(send_at)
            if isinstance(when, str):
                return _page(signed_in, uow, settings, announcement, error=when)
            was = announcement.status
            service.reschedule(uow, signed_in.network, announcement, token, send_at=when)
            done = "reapproval" if announcement.status is not was else "rescheduled"
        elif step == "approve":
            service.approve(uow, announcement, token)
            done = "approved"
        elif step == "cancel":
            signed_in.require(AdminRole.EDITOR)
            service.cancel(uow, announcement, token)
            done = "cancelled"
        else:
            raise not_found()
    except AnnouncementError as exc:
        return _page(signed_in, uow, settings, _get(signed_in, uow, announcement_id), error=exc)
    return RedirectResponse(
        f"{signed_in.base}/announcements/{announcement.id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )
