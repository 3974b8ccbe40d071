"""A meeting's answers in the web admin (editor role): counts, the list with any access needs (health
data, shown only here), and the same as CSV. The report is the answers service's
(services/sources/answer_reports.py)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from notifier.services.sources.answer_reports import answers_csv, answers_report
from notifier.web.deps import UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import EditorDep, not_found

router = APIRouter(tags=["admin pages"], include_in_schema=False)
PATH = "/admin/{slug}/meetings/{meeting_id}/answers"


@router.get(PATH, response_class=HTMLResponse)
def answers_page(meeting_id: RowId, signed_in: EditorDep, uow: UowDep) -> HTMLResponse:
    report = answers_report(uow, signed_in.network, meeting_id)
    if report is None:
        raise not_found()
    return signed_in.page(
        "meeting_answers.html", title=f"Answers: {report.meeting.title}", active="meetings", report=report
    )


@router.get(PATH + ".csv", response_model=None)
def answers_file(meeting_id: RowId, signed_in: EditorDep, uow: UowDep) -> Response:
    report = answers_report(uow, signed_in.network, meeting_id)
    if report is None:
        raise not_found()
    headers = {
        "Content-Disposition": f'attachment; filename="meeting-{meeting_id}-answers.csv"',
        "Cache-Control": "no-store",
    }
    return Response(answers_csv(report), media_type="text/csv; charset=utf-8", headers=headers)
