"""Meetings in the browser (editor role): create with topics and invitees, update, cancel, publish the
minutes. Every change goes through a check page that says what will be sent to whom (counted as
fan-out counts) and, on a sign-off network, whether it waits for a second person's approval or goes
at once (a time change, a cancellation without a note); the rules and the emails are the meeting
service's (services/sources/meeting_changes.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.domain.sources import MeetingStatus
from notifier.services.common.scope import NotFound
from notifier.services.delivery.audiences import count_audience
from notifier.services.sources import meeting_changes as service
from notifier.services.sources.answers import set_answer_rules
from notifier.services.sources.meeting_admin import (
    RULE_FIELDS,
    MeetingForm,
    changed_fields,
    form_errors,
    form_of,
    get_meeting,
    invitees_of,
    meeting_list,
    subscriber_ids_for,
    topic_ids_for,
)
from notifier.services.sources.meeting_rules import NotHeld, offers
from notifier.services.sources.meetings import Audience, MeetingError, SourceDeps
from notifier.web.deps import NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import EditorDep, SignedIn, SignedInDep, refused

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]
FormList = Annotated[list[str] | None, Form()]
WAITING = "Waiting for approval: nothing is sent until someone else with the approver role approves it."
NOTICES = {
    "sent": "Sent.",
    "updated": "The update was sent.",
    "cancelled": "The cancellation was sent.",
    "minutes": "The minutes were sent.",
    "audience": "Who is invited has changed, and the emails were sent.",
    "rules": "How the meeting takes answers has changed.",
    "waiting": WAITING,
}
HELD_SAID = "You have said the meeting took place: this is recorded in the audit log with your name."


def not_held_words(reason: str) -> str:
    """Why minutes were refused, as the meeting's page asks for the override."""
    return (
        f"The meeting {reason}, and minutes are for a meeting that was held. If it did take place, "
        "tick “The meeting took place” with the minutes on the meeting's page."
    )


def meeting_form(
    title: FormText = "",
    start: FormText = "",
    end: FormText = "",
    location: FormText = "",
    online_url: FormText = "",
    agenda: FormText = "",
    topics: FormList = None,
    invitees: FormText = "",
    capacity: FormText = "",
    answers_until: FormText = "",
    access_question: FormText = "",
) -> MeetingForm:
    return MeetingForm(
        title, start, end, location, online_url, agenda, topics or [], invitees, capacity, answers_until,
        access_question,
    )  # fmt: skip


FormDep = Annotated[MeetingForm, Depends(meeting_form)]


def form_page(
    signed_in: SignedIn, form: MeetingForm, action: str, *, errors: dict[str, str] | None = None
) -> HTMLResponse:
    return signed_in.page(
        "meeting_form.html",
        title="Change the meeting" if action.endswith("/edit") else "Arrange a meeting",
        active="meetings",
        status_code=400 if errors else 200,
        error_title=bool(errors),
        form=form,
        action=action,
        new=not action.endswith("/edit"),
        topics=signed_in.scope.topics(),
        errors=errors or {},
    )


def _check_page(
    signed_in: SignedIn,
    *,
    what: str,
    action: str,
    hidden: dict[str, Any],
    topic_ids: list[int],
    invitee_ids: list[int],
    summary: list[str],
    button: str,
    sign_off: service.SignOffNote,
    urgent: bool = True,
) -> HTMLResponse:
    scope = signed_in.scope
    return signed_in.page(
        "meeting_check.html",
        title="Check before sending",
        active="meetings",
        what=what,
        action=action,
        hidden=hidden,
        audience=count_audience(scope.session, scope.network_id, topic_ids, invitee_ids, urgent=urgent),
        urgent=urgent,
        summary=summary,
        button="Ask for approval" if sign_off.waits else button,
        sign_off=sign_off.text,
    )


def _done(signed_in: SignedIn, meeting_id: int, done: str) -> RedirectResponse:
    return RedirectResponse(
        f"{signed_in.base}/meetings/{meeting_id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/admin/{slug}/meetings", response_class=HTMLResponse)
def list_meetings(signed_in: SignedInDep) -> HTMLResponse:
    rows = meeting_list(signed_in.scope)
    return signed_in.page("meetings.html", title="Meetings", active="meetings", rows=rows)


@router.get("/admin/{slug}/meetings/new", response_class=HTMLResponse)
def new_meeting(signed_in: EditorDep) -> HTMLResponse:
    return form_page(signed_in, MeetingForm(), f"{signed_in.base}/meetings/new")


@router.post("/admin/{slug}/meetings/new", response_class=HTMLResponse)
def create(
    signed_in: EditorDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    form: FormDep,
    step: FormText = "check",
) -> Response:
    action = f"{signed_in.base}/meetings/new"
    errors = form_errors(signed_in.scope, form, new=True)
    if errors or step == "edit":
        return form_page(signed_in, form, action, errors=errors)
    if step == "check":
        return _check_page(
            signed_in, what="The invitation, with a calendar file", action=action, hidden=form.fields(),
            topic_ids=topic_ids_for(signed_in.scope, form.topics),
            invitee_ids=subscriber_ids_for(signed_in.scope, form.invitee_lines()) or [],
            summary=[f"{form.title.strip()}: {form.start} to {form.end} (UK time)"],
            button="Send the invitation", sign_off=service.sign_off_note(signed_in.network, "create"),
        )  # fmt: skip
    try:
        with uow.attempt():
            meeting = service.create_meeting(
                uow, SourceDeps.from_settings(settings, queue), signed_in.network, form.details(),
                Audience(form.topics, form.invitee_lines()), actor=signed_in.acting_as,
                answers=form.answer_rules(),
            )  # fmt: skip
    except MeetingError as exc:
        return form_page(signed_in, form, action, errors={exc.field: exc.message})
    done = "waiting" if meeting.status is MeetingStatus.AWAITING_APPROVAL else "sent"
    return _done(signed_in, meeting.id, done)


@router.get("/admin/{slug}/meetings/{meeting_id}", response_class=HTMLResponse)
def show_meeting(meeting_id: RowId, signed_in: SignedInDep, now: NowDep, done: str = "") -> HTMLResponse:
    scope = signed_in.scope
    meeting = get_meeting(scope, meeting_id)
    audience = count_audience(
        scope.session, scope.network_id, meeting.topic_ids, invitees_of(scope, meeting), urgent=True
    )
    return signed_in.page(
        "meeting.html", title=meeting.title, active="meetings", meeting=meeting, audience=audience,
        cancelled=meeting.status is MeetingStatus.CANCELLED, notice=NOTICES.get(done, ""),
        waiting_id=service.waiting_request_id(scope.session, meeting),
        awaiting=meeting.status is MeetingStatus.AWAITING_APPROVAL, offers=offers(meeting, now),
    )  # fmt: skip


@router.get("/admin/{slug}/meetings/{meeting_id}/edit", response_class=HTMLResponse)
def edit_meeting(meeting_id: RowId, signed_in: EditorDep) -> HTMLResponse:
    meeting = get_meeting(signed_in.scope, meeting_id)
    return form_page(signed_in, form_of(meeting), f"{signed_in.base}/meetings/{meeting.id}/edit")


@router.post("/admin/{slug}/meetings/{meeting_id}/edit", response_class=HTMLResponse)
def update(
    meeting_id: RowId,
    signed_in: EditorDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    form: FormDep,
    note: FormText = "",
    step: FormText = "check",
) -> Response:
    """Changed details go through the check page (everyone gets the update); changed answer rules
    alone send nothing but the offers of places they free, so they apply at once."""
    meeting = get_meeting(signed_in.scope, meeting_id)
    action = f"{signed_in.base}/meetings/{meeting.id}/edit"
    errors = form_errors(signed_in.scope, form, new=False)
    if errors or step == "edit":
        return form_page(signed_in, form, action, errors=errors)
    changed, rules = changed_fields(meeting, form), changed_fields(meeting, form, RULE_FIELDS)
    if not changed and not rules:
        return form_page(signed_in, form, action, errors={"title": "Nothing has changed"})
    if changed and step == "check":
        return _check_page(
            signed_in, what="An update, with the new calendar file", action=action,
            hidden={**form.fields(), "note": note}, topic_ids=meeting.topic_ids,
            invitee_ids=invitees_of(signed_in.scope, meeting), summary=[f"Changed: {', '.join(changed)}"],
            button="Send the update",
            sign_off=service.sign_off_note(signed_in.network, "update", fields=changed, note=note),
        )  # fmt: skip
    deps = SourceDeps.from_settings(settings, queue)
    try:
        with uow.attempt():
            waiting = None
            if changed:
                details = form.details()
                changes = {name: getattr(details, name) for name in changed}  # only what the form changed
                update = service.update_meeting(
                    uow, deps, meeting, changes, note=note, actor=signed_in.acting_as
                )
                waiting = update.approval_request_id
            if rules:  # after the details: a deadline is checked against the new start
                set_answer_rules(uow, deps, meeting, form.answer_rules(), actor=signed_in.actor)
    except MeetingError as exc:
        return form_page(signed_in, form, action, errors={exc.field: exc.message})
    return _done(signed_in, meeting.id, "waiting" if waiting else "updated" if changed else "rules")


@router.post("/admin/{slug}/meetings/{meeting_id}/{change}", response_class=HTMLResponse)
def cancel_or_minutes(
    meeting_id: RowId,
    change: str,
    signed_in: EditorDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    note: FormText = "",
    minutes_url: FormText = "",
    minutes_body: FormText = "",
    held: FormText = "",
    step: FormText = "check",
) -> Response:
    meeting = get_meeting(signed_in.scope, meeting_id)
    held_override = change == "minutes" and held == "yes"  # asked for on the page, in words
    if change not in ("cancel", "minutes"):
        raise NotFound("change")
    action = f"{signed_in.base}/meetings/{meeting.id}/{change}"
    if step == "check":
        what = "The cancellation" if change == "cancel" else "The minutes"
        summary = [note] if change == "cancel" and note.strip() else []
        if change == "minutes":
            summary = [text for text in (minutes_url, minutes_body[:300]) if text.strip()]
            summary += [HELD_SAID] if held_override else []
        return _check_page(
            signed_in, what=what, action=action,
            hidden={"note": note, "minutes_url": minutes_url, "minutes_body": minutes_body, "held": held},
            topic_ids=meeting.topic_ids, invitee_ids=invitees_of(signed_in.scope, meeting), summary=summary,
            button="Send the cancellation" if change == "cancel" else "Send the minutes",
            sign_off=service.sign_off_note(signed_in.network, change, note=note), urgent=change == "cancel",
        )  # fmt: skip
    deps = SourceDeps.from_settings(settings, queue)
    try:
        with uow.attempt():
            waiting = _cancel_or_minutes(
                uow, deps, signed_in, meeting, change, note, (minutes_url, minutes_body, held_override)
            )
    except MeetingError as exc:
        raise refused(
            "This cannot be sent", not_held_words(exc.reason) if isinstance(exc, NotHeld) else exc.message,
            status_code=status.HTTP_409_CONFLICT if exc.conflict else status.HTTP_400_BAD_REQUEST,
            next_url=f"{signed_in.base}/meetings/{meeting.id}", next_text="Back to the meeting",
        ) from exc  # fmt: skip
    done = "waiting" if waiting else "cancelled" if change == "cancel" else "minutes"
    return _done(signed_in, meeting.id, done)


def _cancel_or_minutes(
    uow: UowDep,
    deps: SourceDeps,
    signed_in: SignedIn,
    meeting: Any,
    change: str,
    note: str,
    minutes: tuple[str, str, bool],
) -> bool:
    """Whether it waits for approval."""
    if change == "cancel":
        return service.cancel_meeting(uow, deps, meeting, note=note, actor=signed_in.acting_as) is not None
    url, body, held_override = minutes
    outcome = service.publish_minutes(
        uow, deps, signed_in.network, meeting, url=url.strip(), body=body, actor=signed_in.acting_as,
        held_override=held_override,
    )  # fmt: skip
    return outcome.approval_request_id is not None
