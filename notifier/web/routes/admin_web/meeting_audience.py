"""Changing who a meeting is for (editor role): its topics and named invitees, after the invitation
went. The check page says how many people get the invitation and how many are told they no longer
need to attend, before anything is sent; the rules and the emails are the meeting service's
(services/sources/meeting_audience.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.sources.meeting_admin import MeetingForm, audience_form, get_meeting
from notifier.services.sources.meeting_audience import AudienceChange, change_audience, plan_audience_change
from notifier.services.sources.meetings import Audience, MeetingError, SourceDeps
from notifier.web.deps import QueueDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import EditorDep, SignedIn, refused

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]
FormList = Annotated[list[str] | None, Form()]
PATH = "/admin/{slug}/meetings/{meeting_id}/audience"


def _form_page(
    signed_in: SignedIn,
    meeting: Any,
    form: MeetingForm,
    note: str,
    *,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    return signed_in.page(
        "meeting_audience.html",
        title="Change who is invited",
        active="meetings",
        status_code=400 if errors else 200,
        error_title=bool(errors),
        meeting=meeting,
        form=form,
        note=note,
        action=f"{signed_in.base}/meetings/{meeting.id}/audience",
        topics=signed_in.scope.topics(),
        errors=errors or {},
    )


def _summary(signed_in: SignedIn, change: AudienceChange) -> list[str]:
    names = {t.id: t.name for t in signed_in.scope.topics()}
    topics = (("Topics added", change.topics_added), ("Topics taken off", change.topics_removed))
    people = (("Invitees added", change.invitees_added), ("Invitees taken off", change.invitees_removed))
    lines = [f"{words}: {', '.join(names.get(i, '?') for i in ids)}" for words, ids in topics if ids]
    return lines + [f"{words}: {len(ids)}" for words, ids in people if ids]


@router.get(PATH, response_class=HTMLResponse)
def show_audience_form(meeting_id: RowId, signed_in: EditorDep) -> HTMLResponse:
    meeting = get_meeting(signed_in.scope, meeting_id)
    return _form_page(signed_in, meeting, audience_form(signed_in.scope, meeting), "")


@router.post(PATH, response_class=HTMLResponse)
def change_who_is_invited(
    meeting_id: RowId,
    signed_in: EditorDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    topics: FormList = None,
    invitees: FormText = "",
    note: FormText = "",
    step: FormText = "check",
) -> Response:
    meeting = get_meeting(signed_in.scope, meeting_id)
    form = MeetingForm(topics=topics or [], invitees=invitees)
    if step == "edit":
        return _form_page(signed_in, meeting, form, note)
    audience = Audience(form.topics, form.invitee_lines())
    try:
        with uow.attempt():
            if step != "send":
                change = plan_audience_change(uow.session, signed_in.network, meeting, audience, note=note)
                hidden: dict[str, Any] = {"topics": form.topics, "invitees": invitees, "note": note}
                return signed_in.page(
                    "meeting_audience_check.html", title="Check before sending", active="meetings",
                    meeting=meeting, change=change, summary=_summary(signed_in, change),
                    action=f"{signed_in.base}/meetings/{meeting.id}/audience", hidden=hidden,
                    button="Change who is invited and send",
                )  # fmt: skip
            deps = SourceDeps.from_settings(settings, queue)
            change_audience(uow, deps, signed_in.network, meeting, audience, note=note, actor=signed_in.actor)
    except MeetingError as exc:
        if exc.conflict:
            raise refused(
                "Who is invited cannot change", exc.message,
                next_url=f"{signed_in.base}/meetings/{meeting.id}", next_text="Back to the meeting",
            ) from exc  # fmt: skip
        field = exc.field if exc.field in ("topics", "invitees", "note") else "topics"
        return _form_page(signed_in, meeting, form, note, errors={field: _sentence(exc.message)})
    return RedirectResponse(
        f"{signed_in.base}/meetings/{meeting.id}?done=audience", status_code=status.HTTP_303_SEE_OTHER
    )


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]
