"""Announcements in the browser: write with a preview of the email, send a test to yourself, submit
for sign-off, approval by someone else with the approver role, schedule, change the send time or
cancel until it starts, and once sent its funnel (failed addresses with Notify's reason, for an admin).
A draft can be changed until it is submitted; any announcement can be copied into a new draft. The
rules are the announcement service's (services/sources/announcements.py); the admin acts as the person
signed in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.domain.london_times import LONDON, LocalTimeError, resolve_london
from notifier.domain.sources import AdminRole, AnnouncementStatus
from notifier.rendering.emails import RenderedEmail
from notifier.services.admin.announcement_report import announcement_report
from notifier.services.common.scope import NotFound
from notifier.services.sources import announcements as service
from notifier.services.sources.announcement_drafts import (
    NOT_YOUR_DRAFT,
    copy_as_draft,
    edit_draft,
    may_change,
)
from notifier.services.sources.announcement_pages import (
    Draft,
    announcement_list,
    announcement_view,
    draft_errors,
    draft_of,
    get_announcement,
    preview_draft,
)
from notifier.services.sources.announcements import PAST_SEND_TIME, AnnouncementError
from notifier.services.sources.meetings import SourceDeps
from notifier.web.deps import QueueDep, SettingsDep, UowDep
from notifier.web.email_preview import notify_html
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import EditorDep, SignedIn, SignedInDep

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]
FormList = Annotated[list[str], Form()]
ONLY_DRAFTS = "It has been submitted, so it can no longer be changed. Copy it to write a new draft."
SEND_AT_PAST = (
    "The send time is in the past: enter a time to come, or leave it blank to send as soon as possible"
)
CODES = {"conflict": status.HTTP_409_CONFLICT, "forbidden": status.HTTP_403_FORBIDDEN}


@router.get("/admin/{slug}/announcements", response_class=HTMLResponse)
def list_announcements(signed_in: SignedInDep) -> HTMLResponse:
    found = announcement_list(signed_in.scope)
    return signed_in.page(
        "announcements.html",
        title="Announcements",
        active="announcements",
        rows=found.rows,
        topics=found.topics,
    )


def _form(
    signed_in: SignedIn,
    draft: Draft | None = None,
    *,
    errors: dict[str, str] | None = None,
    preview: RenderedEmail | None = None,
    preview_html: str | None = None,
    editing: int | None = None,
) -> HTMLResponse:
    return signed_in.page(
        "announcement_form.html",
        title="Change the draft" if editing else "Write an announcement",
        active="announcements",
        status_code=400 if errors else 200,
        error_title=bool(errors),
        topics=signed_in.scope.topics(),
        chosen=draft.topics if draft else (),
        to_meeting=draft.to_meeting if draft else False,
        action=f"{signed_in.base}/announcements/{editing or 'new'}" + ("/edit" if editing else ""),
        subject=draft.subject if draft else "",
        body=draft.body if draft else "",
        errors=errors or {},
        preview=preview,
        preview_html=preview_html,
    )


@router.get("/admin/{slug}/announcements/new", response_class=HTMLResponse)
def new_announcement(signed_in: EditorDep) -> HTMLResponse:
    return _form(signed_in)


@router.post("/admin/{slug}/announcements/new", response_class=HTMLResponse)
def save_announcement(
    signed_in: EditorDep,
    uow: UowDep,
    settings: SettingsDep,
    topic: FormList = [],  # noqa: B006 -- FastAPI copies a default; one value per ticked topic
    subject: FormText = "",
    body: FormText = "",
    action: FormText = "save",
    fragment: FormText = "",
) -> Response:
    draft = Draft(tuple(topic), subject, body)
    shown = _checked_or_previewed(signed_in, settings, draft, action, fragment)
    if shown is not None:
        return shown
    announcement = service.create_draft(
        uow, signed_in.network, signed_in.acting_as, topic_slug=topic, subject=subject, body=body
    )
    return RedirectResponse(
        f"{signed_in.base}/announcements/{announcement.id}", status_code=status.HTTP_303_SEE_OTHER
    )


def _checked_or_previewed(
    signed_in: SignedIn,
    settings: SettingsDep,
    draft: Draft,
    action: str,
    fragment: str,
    editing: int | None = None,
) -> HTMLResponse | None:
    """The form again with its errors or with a preview; None when the draft is to be saved."""
    errors = draft_errors(signed_in.scope, draft)
    if errors:
        return _form(signed_in, draft, errors=errors, editing=editing)
    if action != "preview":
        return None
    email = preview_draft(signed_in.scope, draft, settings.public_base_url)
    html = notify_html(settings, signed_in.network.notify_template_id, email)
    if fragment == "yes":  # the live preview asks for the preview alone
        return signed_in.page("_email_preview.html", title="Preview", email=email, preview_html=html)
    return _form(signed_in, draft, preview=email, preview_html=html, editing=editing)


@router.get("/admin/{slug}/announcements/{announcement_id}/edit", response_class=HTMLResponse)
def change_draft_form(
    announcement_id: RowId, signed_in: EditorDep, uow: UowDep, settings: SettingsDep
) -> HTMLResponse:
    announcement = get_announcement(signed_in.scope, announcement_id)
    if announcement.status is not AnnouncementStatus.DRAFT:
        refusal = AnnouncementError("announcement", ONLY_DRAFTS, conflict=True)
        return _page(signed_in, uow, settings, announcement_id, error=refusal)
    if not may_change(announcement, signed_in.acting_as):
        refusal = AnnouncementError("announcement", NOT_YOUR_DRAFT, forbidden=True)
        return _page(signed_in, uow, settings, announcement_id, error=refusal)
    return _form(signed_in, draft_of(signed_in.scope, announcement), editing=announcement.id)


@router.post("/admin/{slug}/announcements/{announcement_id}/edit", response_class=HTMLResponse)
def change_draft(
    announcement_id: RowId,
    signed_in: EditorDep,
    uow: UowDep,
    settings: SettingsDep,
    topic: FormList = [],  # noqa: B006 -- as on the new draft's form
    subject: FormText = "",
    body: FormText = "",
    action: FormText = "save",
    fragment: FormText = "",
) -> Response:
    announcement = get_announcement(signed_in.scope, announcement_id)
    to_meeting = draft_of(signed_in.scope, announcement).to_meeting
    shown = _checked_or_previewed(
        signed_in, settings, Draft(tuple(topic), subject, body, to_meeting), action, fragment, announcement.id
    )
    if shown is not None:
        return shown
    try:
        edit_draft(uow, signed_in.network, announcement, signed_in.acting_as, topic_slugs=topic,
                   subject=subject, body=body)  # fmt: skip
    except AnnouncementError as exc:
        return _page(signed_in, uow, settings, announcement_id, error=exc)
    return RedirectResponse(
        f"{signed_in.base}/announcements/{announcement.id}?done=changed",
        status_code=status.HTTP_303_SEE_OTHER,
    )


@router.post("/admin/{slug}/announcements/{announcement_id}/copy", response_class=HTMLResponse)
def copy_announcement(announcement_id: RowId, signed_in: EditorDep, uow: UowDep) -> Response:
    original = get_announcement(signed_in.scope, announcement_id)
    copy = copy_as_draft(uow, signed_in.network, original, signed_in.acting_as)
    return RedirectResponse(
        f"{signed_in.base}/announcements/{copy.id}?done=copied", status_code=status.HTTP_303_SEE_OTHER
    )


def _page(
    signed_in: SignedIn,
    uow: UowDep,
    settings: SettingsDep,
    announcement_id: int,
    *,
    error: AnnouncementError | str | None = None,
    notice: str = "",
    typed: str = "",
) -> HTMLResponse:
    announcement = get_announcement(signed_in.scope, announcement_id)
    view = announcement_view(signed_in.scope, announcement, signed_in.acting_as, settings.public_base_url)
    code = 200
    field = "actions"
    if isinstance(error, AnnouncementError):
        code = CODES["conflict"] if error.conflict else CODES["forbidden"] if error.forbidden else 400
        if error.field == "send_at" and error.message == PAST_SEND_TIME:
            error, field = SEND_AT_PAST, "send_at"
    elif error:
        code, field = 400, "send_at"
    return signed_in.page(
        "announcement.html",
        title=announcement.subject,
        active="announcements",
        status_code=code,
        error_title=bool(error),
        error=error.message if isinstance(error, AnnouncementError) else error,
        error_field=field,
        notice=notice,
        announcement=announcement,
        email=view.email,
        preview_html=notify_html(settings, signed_in.network.notify_template_id, view.email),
        people=view.people,
        mine=view.mine,
        can_approve=view.can_approve,
        cancellable=view.cancellable,
        reschedulable=view.reschedulable,
        send_at_text=_london_text(announcement.send_at),
        send_at_typed=typed,
        report=announcement_report(signed_in.scope, announcement, signed_in.acting_as),
        can_edit=signed_in.allows(AdminRole.EDITOR),
        can_change=may_change(announcement, signed_in.acting_as),
    )


@router.get("/admin/{slug}/announcements/{announcement_id}", response_class=HTMLResponse)
def show_announcement(
    announcement_id: RowId, signed_in: SignedInDep, uow: UowDep, settings: SettingsDep, done: str = ""
) -> HTMLResponse:
    notices = {
        "test": "We are sending a test to your address.",
        "submitted": "Submitted.",
        "sent": "Sent.",
        "approved": "Approved: it will be sent at the time shown.",
        "cancelled": "Cancelled: nothing will be sent.",
        "rescheduled": "The send time was changed.",
        "changed": "The draft was changed.",
        "copied": "This is a new draft copied from the announcement. Change it, then submit it.",
        "reapproval": "The send time was changed, so it needs approval again.",
    }
    return _page(signed_in, uow, settings, announcement_id, notice=notices.get(done, ""))


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
    announcement_id: RowId,
    step: str,
    signed_in: SignedInDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    send_at: FormText = "",
) -> Response:
    announcement = get_announcement(signed_in.scope, announcement_id)
    person, deps = signed_in.acting_as, SourceDeps.from_settings(settings, queue)
    try:
        if step == "test-send":
            signed_in.require(AdminRole.EDITOR)
            service.send_test_email(uow, deps, signed_in.network, announcement, person)
            done = "test"
        elif step == "submit":
            signed_in.require(AdminRole.EDITOR)
            when = _parse_send_at(send_at)
            if isinstance(when, str):
                return _page(signed_in, uow, settings, announcement_id, error=when, typed=send_at)
            service.submit(uow, deps, signed_in.network, announcement, person, send_at=when)
            done = "submitted"
        elif step == "reschedule":
            signed_in.require(AdminRole.EDITOR)
            when = _parse_send_at(send_at)
            if isinstance(when, str):
                return _page(signed_in, uow, settings, announcement_id, error=when, typed=send_at)
            was = announcement.status
            service.reschedule(uow, signed_in.network, announcement, person, send_at=when)
            done = "reapproval" if announcement.status is not was else "rescheduled"
        elif step == "approve":
            service.approve(uow, announcement, person)
            done = "approved"
        elif step == "cancel":
            signed_in.require(AdminRole.EDITOR)
            service.cancel(uow, announcement, person)
            done = "cancelled"
        else:
            raise NotFound("step")
    except AnnouncementError as exc:
        return _page(signed_in, uow, settings, announcement_id, error=exc, typed=send_at)
    return RedirectResponse(
        f"{signed_in.base}/announcements/{announcement.id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )
