"""A reader's answer to a meeting invitation, from the signed link in their email. Opening the link
(GET) shows the meeting with the answer preselected and saves nothing; the button (POST, with CSRF)
saves it. The rules are the answers service's (services/sources/answers.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from notifier.rendering.london_time import london_datetime, london_period
from notifier.services.sources import answers
from notifier.services.sources.answers import AnswerPage, AnswerRefused
from notifier.services.sources.calendar import MeetingLinks
from notifier.services.sources.meetings import SourceDeps
from notifier.web import csrf
from notifier.web.csrf import CheckedForm
from notifier.web.deps import QueueDep, SettingsDep, UowDep
from notifier.web.forms import error_list
from notifier.web.pages import render_page
from notifier.web.problems import Problem

router = APIRouter(tags=["meetings"])
FormText = Annotated[str, Form()]
PATH = "/meetings/answer/{token}"


def _deps(settings: SettingsDep, queue: QueueDep) -> SourceDeps:
    return SourceDeps.from_settings(settings, queue)


DepsDep = Annotated[SourceDeps, Depends(_deps)]


def _refused(exc: AnswerRefused) -> Problem:
    return Problem(404, "This answer link is not valid", f"{exc.message[:1].upper()}{exc.message[1:]}.")


def _render(
    request: Request,
    settings: SettingsDep,
    page: AnswerPage,
    token: str,
    *,
    errors: dict[str, str] | None = None,
) -> Response:
    form_token = csrf.issue(request, settings)
    status_code = 400 if errors and "closed" not in errors else 409 if errors else 200
    response = render_page(
        "meeting_answer.html",
        status_code=status_code,
        title=f"Will you come to {page.meeting.title}?",
        error_title=bool(errors),
        network=page.network,
        page=page,
        when=london_period(page.meeting.start_at, page.meeting.end_at),
        open_until=london_datetime(page.open_until),
        errors=errors or {},
        error_list=error_list({field: text for field, text in (errors or {}).items() if field != "closed"}),
        action=f"/meetings/answer/{token}",
        csrf_token=form_token.form_value,
    )
    return csrf.attach(response, form_token, settings)


@router.get(PATH, response_class=HTMLResponse)
def answer_page(
    token: str, request: Request, uow: UowDep, settings: SettingsDep, choice: str = ""
) -> Response:
    try:
        page = answers.show_answer(uow, MeetingLinks.from_settings(settings), token, choice)
    except AnswerRefused as exc:
        raise _refused(exc) from exc
    return _render(request, settings, page, token)


@router.post(PATH, response_class=HTMLResponse, dependencies=[CheckedForm])
def save_answer(
    token: str,
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    deps: DepsDep,
    choice: FormText = "",
    access_needs: FormText = "",
) -> Response:
    try:
        with uow.attempt():
            page = answers.save_answer(uow, deps, token, choice, access_needs)
    except AnswerRefused as exc:
        if exc.gone:
            raise _refused(exc) from exc
        page = answers.show_answer(uow, deps.meeting_links, token, choice)
        return _render(
            request, settings, page, token, errors={"closed" if exc.closed else exc.field: exc.message}
        )
    return _render(request, settings, page, token)
