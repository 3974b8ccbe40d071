"""A meeting's answers in the web admin: counts and the list for editors, with the access needs
(health data) and the CSV download for admins only, and a message to the people coming (the Yes
list), which is an announcement and takes its path: approval by a second person where the network
requires sign-off.
The report is the answers service's (services/sources/answer_reports.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.domain.sources import AdminRole, AnnouncementStatus
from notifier.services.sources.announcements import AnnouncementError, message_the_yes_list
from notifier.services.sources.answer_reports import AnswersReport, answers_report, export_answers
from notifier.services.sources.meeting_admin import get_meeting
from notifier.services.sources.meetings import SourceDeps
from notifier.web.deps import QueueDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import AdminRoleDep, EditorDep, SignedIn, not_found

router = APIRouter(tags=["admin pages"], include_in_schema=False)
PATH = "/admin/{slug}/meetings/{meeting_id}/answers"
FormText = Annotated[str, Form()]


def _report(uow: UowDep, signed_in: SignedIn, meeting_id: int) -> AnswersReport:
    report = answers_report(uow, signed_in.network, meeting_id, health_data=signed_in.allows(AdminRole.ADMIN))
    if report is None:
        raise not_found()
    return report


def _page(
    signed_in: SignedIn, report: AnswersReport, *, subject: str = "", body: str = "", error: str = "",
    field: str = "",
) -> HTMLResponse:  # fmt: skip
    return signed_in.page(
        "meeting_answers.html", title=f"Answers: {report.meeting.title}", active="meetings", report=report,
        status_code=400 if error else 200, error_title=bool(error), subject=subject, body=body,
        errors={field if field in ("subject", "body") else "subject": error} if error else {},
    )  # fmt: skip


@router.get(PATH, response_class=HTMLResponse)
def answers_page(meeting_id: RowId, signed_in: EditorDep, uow: UowDep) -> HTMLResponse:
    return _page(signed_in, _report(uow, signed_in, meeting_id))


@router.get(PATH + ".csv", response_model=None)
def answers_file(meeting_id: RowId, signed_in: AdminRoleDep, uow: UowDep) -> Response:
    export = export_answers(uow, signed_in.network, meeting_id, actor=signed_in.actor)
    if export is None:
        raise not_found()
    headers = {
        "Content-Disposition": f'attachment; filename="{export.filename}"',
        "Cache-Control": "no-store",
    }
    return Response(export.text, media_type="text/csv; charset=utf-8", headers=headers)


@router.post(PATH + "/message", response_class=HTMLResponse)
def message_the_people_coming(
    meeting_id: RowId,
    signed_in: EditorDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    subject: FormText = "",
    body: FormText = "",
) -> Response:
    meeting = get_meeting(signed_in.scope, meeting_id)
    try:
        with uow.attempt():
            sent = message_the_yes_list(
                uow, SourceDeps.from_settings(settings, queue), signed_in.network, meeting,
                signed_in.acting_as, subject=subject, body=body,
            )  # fmt: skip
    except AnnouncementError as exc:
        report = _report(uow, signed_in, meeting_id)
        message = f"{exc.message[:1].upper()}{exc.message[1:]}"
        return _page(signed_in, report, subject=subject, body=body, error=message, field=exc.field)
    done = "submitted" if sent.status is AnnouncementStatus.AWAITING_APPROVAL else "sent"
    return RedirectResponse(
        f"{signed_in.base}/announcements/{sent.id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )
