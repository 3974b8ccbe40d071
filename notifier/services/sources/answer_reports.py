"""What the steering group sees of a meeting's answers: counts and the list for editors; the access
needs (health data) and the CSV download (the list in bulk, audited) for admins only."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from notifier.db.models import Meeting, Network
from notifier.db.session import UnitOfWork
from notifier.domain.answers import Answer, Place
from notifier.repositories import answers as answer_repo
from notifier.repositories import meetings as meeting_repo
from notifier.repositories.meetings import AudienceIds
from notifier.services.common import audit

CSV_COLUMNS = (
    "name",
    "email",
    "department",
    "answer",
    "place",
    "waiting_position",
    "access_needs",
    "answered_at",
)


@dataclass(frozen=True)
class AnswerRow:
    name: str
    email: str
    department: str
    answer: Answer
    place: Place | None
    waiting_position: int | None
    access_needs: str | None
    answered_at: datetime


@dataclass(frozen=True)
class AnswersReport:
    meeting: Meeting
    counts: dict[str, int]  # coming (with a place), offered, waiting, maybe, no, not_answered
    rows: list[AnswerRow]
    health_data: bool  # whether the rows carry the access needs (only an admin's report does)


def answers_report(
    uow: UnitOfWork, network: Network, meeting_id: int, *, health_data: bool
) -> AnswersReport | None:
    """The meeting's answers, or None when the network has no such meeting. Access needs are in the
    rows only with `health_data` (an admin's view)."""
    session = uow.session
    meeting = meeting_repo.get_meeting(session, network.id, meeting_id)
    if meeting is None:
        return None
    rows = []
    waiting = 0
    for answer, person in answer_repo.answers_with_people(session, network.id, meeting.id):
        waiting += answer.place is Place.WAITING
        rows.append(
            AnswerRow(
                person.name, person.email, person.department, answer.answer, answer.place,
                waiting if answer.place is Place.WAITING else None,
                answer.access_needs if health_data else None, answer.answered_at,
            )
        )  # fmt: skip
    reached = meeting_repo.count_reached(
        session, network.id, meeting_repo.audience_of(session, meeting), AudienceIds((), ())
    )
    counts = {
        "coming": sum(r.place is Place.CONFIRMED for r in rows),
        "offered": sum(r.place is Place.OFFERED for r in rows),
        "waiting": waiting,
        "maybe": sum(r.answer is Answer.MAYBE for r in rows),
        "no": sum(r.answer is Answer.NO for r in rows),
        "not_answered": max(reached - len(rows), 0),
    }
    return AnswersReport(meeting, counts, rows, health_data)


@dataclass(frozen=True)
class AnswersExport:
    filename: str
    text: str


def export_answers(uow: UnitOfWork, network: Network, meeting_id: int, *, actor: str) -> AnswersExport | None:
    """The admin's CSV of a meeting's answers (names, addresses, access needs), audited as exported by
    id; None when the network has no such meeting."""
    report = answers_report(uow, network, meeting_id, health_data=True)
    if report is None:
        return None
    audit.record(
        uow.session,
        network.id,
        actor,
        "meeting.answers_exported",
        "meeting",
        meeting_id,
        rows=len(report.rows),
    )
    return AnswersExport(f"meeting-{meeting_id}-answers.csv", answers_csv(report))


def answers_csv(report: AnswersReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        writer.writerow(
            [
                _cell(row.name), row.email, _cell(row.department), row.answer.value,
                row.place.value if row.place else "", row.waiting_position or "",
                _cell(row.access_needs or ""), row.answered_at.isoformat(),
            ]
        )  # fmt: skip
    return out.getvalue()


def _cell(text: str) -> str:
    """A spreadsheet never runs a cell as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
