"""Meetings in the browser (editor role): create with topics and invitees, update, cancel, publish the
minutes. Every change goes through a check page that says what will be sent to whom (counted as
fan-out counts) before anything is sent; the rules and the emails are the meeting service's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from notifier.db.models import Meeting, MeetingInvitee, Subscriber
from notifier.domain.london_times import LONDON
from notifier.domain.sources import AdminRole, MeetingStatus
from notifier.repositories import networks as network_repo
from notifier.services.admin.audiences import count_audience
from notifier.services.sources import meetings as service
from notifier.services.sources.meeting_rules import EDITABLE
from notifier.services.sources.meetings import (
    Audience,
    MeetingDetails,
    MeetingError,
    SourceDeps,
)
from notifier.web.deps import QueueDep, SettingsDep, UowDep
from notifier.web.routes.admin_web.session import SignedIn, SignedInDep, not_found

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]
FormList = Annotated[list[str] | None, Form()]


@dataclass
class MeetingForm:
    title: str = ""
    start: str = ""
    end: str = ""
    location: str = ""
    online_url: str = ""
    agenda: str = ""
    topics: list[str] = field(default_factory=list)
    invitees: str = ""

    def fields(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _when(text: str) -> datetime | None:
    """A London wall time as typed; the meeting service checks it (a skipped hour is refused)."""
    try:
        return datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        return None


def _check(signed_in: SignedIn, uow: UowDep, form: MeetingForm, *, new: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form.title.strip():
        errors["title"] = "Enter the meeting's title"
    start, end = _when(form.start), _when(form.end)
    if start is None:
        errors["start"] = "Enter the start as a date and time, like 2026-12-01 18:00"
    if end is None:
        errors["end"] = "Enter the end as a date and time, like 2026-12-01 19:00"
    elif start is not None and end <= start:
        errors["end"] = "The end must be after the start"
    if not form.location.strip() and not form.online_url.strip():
        errors["location"] = "Give a location, an online link, or both"
    if form.online_url.strip() and not form.online_url.strip().startswith("https://"):
        errors["online_url"] = "The online link must start with https://"
    if new:
        known = {t.slug for t in network_repo.list_topics(uow.session, signed_in.network.id)}
        if any(slug not in known for slug in form.topics):
            errors["topics"] = "Select topics from the list"
        invited = _invitee_ids(uow, signed_in, form.invitees)
        if invited is None:
            errors["invitees"] = "Every invitee must be a subscriber of the network: check the addresses"
        elif not form.topics and not invited:
            errors["topics"] = "Choose topics, invitees, or both"
    return errors


def invitee_lines(text: str) -> list[str]:
    """The addresses typed in the invitees box: one a line, or separated by commas."""
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _invitee_ids(uow: UowDep, signed_in: SignedIn, text: str) -> list[int] | None:
    emails = sorted({line.lower() for line in invitee_lines(text)})
    found = dict(
        uow.session.execute(
            select(Subscriber.email, Subscriber.id).where(
                Subscriber.network_id == signed_in.network.id, Subscriber.email.in_(emails)
            )
        ).all()
    )
    return None if len(found) != len(emails) else sorted(found.values())


def _details(form: MeetingForm) -> MeetingDetails:
    start, end = _when(form.start), _when(form.end)
    if start is None or end is None:
        raise ValueError("dates were checked before")
    return MeetingDetails(form.title, start, end, form.location, form.online_url, form.agenda)


def _form_page(
    signed_in: SignedIn,
    uow: UowDep,
    form: MeetingForm,
    action: str,
    *,
    errors: dict[str, str] | None = None,
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
        topics=network_repo.list_topics(uow.session, signed_in.network.id),
        errors=errors or {},
    )


def _check_page(
    signed_in: SignedIn,
    uow: UowDep,
    *,
    what: str,
    action: str,
    hidden: dict[str, Any],
    topic_ids: list[int],
    invitee_ids: list[int],
    summary: list[str],
    button: str,
) -> HTMLResponse:
    return signed_in.page(
        "meeting_check.html",
        title="Check before sending",
        active="meetings",
        what=what,
        action=action,
        hidden=hidden,
        audience=count_audience(uow.session, signed_in.network.id, topic_ids, invitee_ids),
        summary=summary,
        button=button,
    )


def meeting_or_404(signed_in: SignedIn, uow: UowDep, meeting_id: int) -> Meeting:
    meeting = uow.session.get(Meeting, meeting_id)
    if meeting is None or meeting.network_id != signed_in.network.id:
        raise not_found()
    return meeting


def _invitees_of(uow: UowDep, meeting: Meeting) -> list[int]:
    return list(
        uow.session.scalars(
            select(MeetingInvitee.subscriber_id).where(MeetingInvitee.meeting_id == meeting.id)
        )
    )


@router.get("/admin/{slug}/meetings", response_class=HTMLResponse)
def list_meetings(signed_in: SignedInDep, uow: UowDep) -> HTMLResponse:
    rows = uow.session.scalars(
        select(Meeting)
        .where(Meeting.network_id == signed_in.network.id)
        .order_by(Meeting.start_at.desc())
        .limit(200)
    )
    return signed_in.page("meetings.html", title="Meetings", active="meetings", rows=list(rows))


@router.get("/admin/{slug}/meetings/new", response_class=HTMLResponse)
def new_meeting(signed_in: SignedInDep, uow: UowDep) -> HTMLResponse:
    signed_in.require(AdminRole.EDITOR)
    return _form_page(signed_in, uow, MeetingForm(), f"{signed_in.base}/meetings/new")


@router.post("/admin/{slug}/meetings/new", response_class=HTMLResponse)
def create(
    signed_in: SignedInDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    title: FormText = "",
    start: FormText = "",
    end: FormText = "",
    location: FormText = "",
    online_url: FormText = "",
    agenda: FormText = "",
    topics: FormList = None,
    invitees: FormText = "",
    step: FormText = "check",
) -> Response:
    signed_in.require(AdminRole.EDITOR)
    form = MeetingForm(title, start, end, location, online_url, agenda, topics or [], invitees)
    action = f"{signed_in.base}/meetings/new"
    errors = _check(signed_in, uow, form, new=True)
    if errors or step == "edit":
        return _form_page(signed_in, uow, form, action, errors=errors)
    topic_ids = [
        t.id for t in network_repo.list_topics(uow.session, signed_in.network.id) if t.slug in form.topics
    ]
    invitee_ids = _invitee_ids(uow, signed_in, form.invitees) or []
    if step == "check":
        summary = [f"{form.title.strip()}: {form.start} to {form.end} (London time)"]
        return _check_page(
            signed_in, uow, what="The invitation, with a calendar file", action=action, hidden=form.fields(),
            topic_ids=topic_ids, invitee_ids=invitee_ids, summary=summary, button="Send the invitation",
        )  # fmt: skip
    try:
        meeting = service.create_meeting(
            uow, SourceDeps.from_settings(settings, queue), signed_in.network, _details(form),
            Audience(form.topics, invitee_lines(form.invitees)),
            actor=signed_in.actor,
        )  # fmt: skip
    except MeetingError as exc:
        return _form_page(signed_in, uow, form, action, errors={exc.field: exc.message})
    return RedirectResponse(
        f"{signed_in.base}/meetings/{meeting.id}?done=sent", status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/admin/{slug}/meetings/{meeting_id}", response_class=HTMLResponse)
def show_meeting(meeting_id: int, signed_in: SignedInDep, uow: UowDep, done: str = "") -> HTMLResponse:
    meeting = meeting_or_404(signed_in, uow, meeting_id)
    audience = count_audience(
        uow.session, signed_in.network.id, meeting.topic_ids, _invitees_of(uow, meeting)
    )
    notices = {"sent": "Sent.", "updated": "The update was sent.", "cancelled": "The cancellation was sent.",
               "minutes": "The minutes were sent.",
               "audience": "Who is invited has changed, and the emails were sent."}  # fmt: skip
    return signed_in.page(
        "meeting.html", title=meeting.title, active="meetings", meeting=meeting, audience=audience,
        cancelled=meeting.status is MeetingStatus.CANCELLED, notice=notices.get(done, ""),
    )  # fmt: skip


def _form_of(meeting: Meeting) -> MeetingForm:
    def shown(moment: datetime) -> str:
        return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")

    return MeetingForm(meeting.title, shown(meeting.start_at), shown(meeting.end_at), meeting.location,
                       meeting.online_url, meeting.agenda)  # fmt: skip


@router.get("/admin/{slug}/meetings/{meeting_id}/edit", response_class=HTMLResponse)
def edit_meeting(meeting_id: int, signed_in: SignedInDep, uow: UowDep) -> HTMLResponse:
    signed_in.require(AdminRole.EDITOR)
    meeting = meeting_or_404(signed_in, uow, meeting_id)
    return _form_page(signed_in, uow, _form_of(meeting), f"{signed_in.base}/meetings/{meeting.id}/edit")


@router.post("/admin/{slug}/meetings/{meeting_id}/edit", response_class=HTMLResponse)
def update(
    meeting_id: int,
    signed_in: SignedInDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    title: FormText = "",
    start: FormText = "",
    end: FormText = "",
    location: FormText = "",
    online_url: FormText = "",
    agenda: FormText = "",
    note: FormText = "",
    step: FormText = "check",
) -> Response:
    signed_in.require(AdminRole.EDITOR)
    meeting = meeting_or_404(signed_in, uow, meeting_id)
    form = MeetingForm(title, start, end, location, online_url, agenda)
    action = f"{signed_in.base}/meetings/{meeting.id}/edit"
    errors = _check(signed_in, uow, form, new=False)
    if errors or step == "edit":
        return _form_page(signed_in, uow, form, action, errors=errors)
    before = _form_of(meeting)
    changed = [name for name in EDITABLE if getattr(before, name).strip() != getattr(form, name).strip()]
    if not changed:
        return _form_page(signed_in, uow, form, action, errors={"title": "Nothing has changed"})
    if step == "check":
        return _check_page(
            signed_in, uow, what="An update, with the new calendar file", action=action,
            hidden={**form.fields(), "note": note}, topic_ids=meeting.topic_ids,
            invitee_ids=_invitees_of(uow, meeting), summary=[f"Changed: {', '.join(changed)}"],
            button="Send the update",
        )  # fmt: skip
    try:
        details = _details(form)
        changes = {name: getattr(details, name) for name in changed}  # only what the form changed
        service.update_meeting(uow, SourceDeps.from_settings(settings, queue), meeting, changes,
                               note=note, actor=signed_in.actor)  # fmt: skip
    except MeetingError as exc:
        return _form_page(signed_in, uow, form, action, errors={exc.field: exc.message})
    return RedirectResponse(
        f"{signed_in.base}/meetings/{meeting.id}?done=updated", status_code=status.HTTP_303_SEE_OTHER
    )


@router.post("/admin/{slug}/meetings/{meeting_id}/{change}", response_class=HTMLResponse)
def cancel_or_minutes(
    meeting_id: int,
    change: str,
    signed_in: SignedInDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    note: FormText = "",
    minutes_url: FormText = "",
    minutes_body: FormText = "",
    step: FormText = "check",
) -> Response:
    signed_in.require(AdminRole.EDITOR)
    meeting = meeting_or_404(signed_in, uow, meeting_id)
    if change not in ("cancel", "minutes"):
        raise not_found()
    deps = SourceDeps.from_settings(settings, queue)
    action = f"{signed_in.base}/meetings/{meeting.id}/{change}"
    invitees = _invitees_of(uow, meeting)
    if step == "check":
        what = "The cancellation" if change == "cancel" else "The minutes"
        summary = [note] if change == "cancel" and note.strip() else []
        if change == "minutes":
            summary = [text for text in (minutes_url, minutes_body[:300]) if text.strip()]
        return _check_page(
            signed_in, uow, what=what, action=action,
            hidden={"note": note, "minutes_url": minutes_url, "minutes_body": minutes_body},
            topic_ids=meeting.topic_ids, invitee_ids=invitees, summary=summary,
            button="Send the cancellation" if change == "cancel" else "Send the minutes",
        )  # fmt: skip
    try:
        if change == "cancel":
            service.cancel_meeting(uow, deps, meeting, note=note, actor=signed_in.actor)
        else:
            service.publish_minutes(uow, deps, signed_in.network, meeting, url=minutes_url.strip(),
                                    body=minutes_body, actor=signed_in.actor)  # fmt: skip
    except MeetingError as exc:
        return signed_in.page(
            "problem.html", title="This cannot be sent", explanation=exc.message,
            status_code=status.HTTP_409_CONFLICT if exc.conflict else status.HTTP_400_BAD_REQUEST,
            next_url=f"{signed_in.base}/meetings/{meeting.id}", next_text="Back to the meeting",
        )  # fmt: skip
    done = "cancelled" if change == "cancel" else "minutes"
    return RedirectResponse(
        f"{signed_in.base}/meetings/{meeting.id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )
