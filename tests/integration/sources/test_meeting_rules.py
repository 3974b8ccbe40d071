"""Meeting rules through the admin API and the CLI on a real database: London times at the clock
changes, no invitations for the past, end after start, PATCH changes only what is sent and the email
lists exactly that, GET returns every field, minutes only for a meeting that was held (or an audited
override)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select
from typer.testing import CliRunner

from notifier.cli import app
from notifier.db.models import AuditRecord, Event, Meeting, Message
from notifier.db.session import unit_of_work
from tests.support.admin_api import API, PUBLIC, Admins
from tests.support.webapp import WEB_SECRET_KEY

pytestmark = [pytest.mark.dates, pytest.mark.usefixtures("clock_in_2029")]

BASE = {
    "title": "Leaders of Networks",
    "location": "Room 4, 10 South Colonnade",
    "online_url": "https://teams.example.com/meet/abc",
    "agenda": "1. Welcome\n2. Budget",
    "invitees": ["invitee@dept.gov.uk"],
}


def _create(admins: Admins, start: str, end: str) -> Any:
    return admins.web.client.post(
        f"{API}/meetings", json=BASE | {"start": start, "end": end}, headers=admins.editor
    )


def _stored(admins: Admins) -> tuple[int, int]:
    with unit_of_work(admins.web.sessions) as uow:
        meetings = uow.session.scalar(select(func.count()).select_from(Meeting))
        messages = uow.session.scalar(select(func.count()).select_from(Message))
    return meetings or 0, messages or 0


def test_a_start_the_clocks_skip_is_refused_and_nothing_is_stored(admins: Admins) -> None:
    refused = _create(admins, "2030-03-31T01:30:00", "2030-03-31T02:30:00")
    assert refused.status_code == 422
    (problem,) = refused.json()["detail"]
    assert problem["field"] == "start" and "does not exist in London" in problem["message"]
    assert "01:00 to 02:00" in problem["message"]
    assert _stored(admins) == (0, 0)


def test_a_repeated_time_is_taken_as_the_first_and_the_answer_says_so(admins: Admins) -> None:
    created = _create(admins, "2030-10-27T01:30:00", "2030-10-27T03:00:00")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["start"] == "2030-10-27T00:30:00+00:00"  # 01:30 BST, the first 01:30
    assert len(body["time_notes"]) == 1 and "happens twice" in body["time_notes"][0]
    second = _create(admins, "2030-10-27T01:30:00+00:00", "2030-10-27T03:00:00")
    assert second.json()["start"] == "2030-10-27T01:30:00+00:00" and second.json()["time_notes"] == []


def test_the_end_must_come_after_the_start_as_instants(admins: Admins) -> None:
    for start, end in (
        ("2030-03-05T18:00:00", "2030-03-05T18:00:00"),
        ("2030-10-27T01:30:00+00:00", "2030-10-27T01:45:00+01:00"),  # later on the wall, earlier in fact
    ):
        refused = _create(admins, start, end)
        assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "end"
    assert _stored(admins) == (0, 0)


def test_no_invitations_for_a_meeting_in_the_past(admins: Admins) -> None:
    refused = _create(admins, "2020-03-05T18:00:00", "2020-03-05T19:00:00")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "start" and "past" in refused.text
    assert _stored(admins) == (0, 0)


def test_patch_changes_only_what_is_sent_and_get_returns_every_field(admins: Admins) -> None:
    client = admins.web.client
    meeting = _create(admins, "2030-03-05T18:00:00", "2030-03-05T19:30:00").json()
    path = f"{API}/meetings/{meeting['id']}"
    got = client.get(path, headers=admins.editor).json()
    for name in ("title", "start", "end", "location", "online_url", "agenda", "status", "sequence"):
        assert got[name] == meeting[name]
    assert got["online_url"] == BASE["online_url"] and got["agenda"] == BASE["agenda"]
    assert got["invitee_count"] == 1 and got["topic_ids"] == []
    changed = client.patch(path, json={"location": "Room 6"}, headers=admins.editor)
    assert changed.status_code == 200, changed.text
    assert changed.json()["changes"] == ["Location: now Room 6."]
    after = client.get(path, headers=admins.editor).json()
    assert after["online_url"] == BASE["online_url"] and after["agenda"] == BASE["agenda"]
    assert after["location"] == "Room 6" and after["sequence"] == 1
    moved = client.patch(
        path, json={"start": "2030-03-05T18:30:00", "note": "The room is free later."}, headers=admins.editor
    )
    assert moved.json()["changes"] == [
        "Date and time: now Tuesday 5 March 2030, 6:30pm to 7:30pm (was Tuesday 5 March 2030, 6pm to 7:30pm)."
    ]
    with unit_of_work(admins.web.sessions) as uow:
        notes = [
            m.context["note"]
            for m in uow.session.scalars(
                select(Message).where(Message.email_kind == "meeting_update").order_by(Message.id)
            )
        ]
        fields = [
            a.detail["fields"]
            for a in uow.session.scalars(select(AuditRecord).where(AuditRecord.action == "meeting.update"))
        ]
    assert notes[0] == "Location: now Room 6."
    assert notes[1].endswith("\nThe room is free later.") and "Location" not in notes[1]
    assert fields == ["location", "start"]


def test_patch_refuses_what_would_say_nothing_or_break_the_rules(admins: Admins) -> None:
    client = admins.web.client
    meeting = _create(admins, "2030-03-05T18:00:00", "2030-03-05T19:30:00").json()
    path = f"{API}/meetings/{meeting['id']}"
    cases = [
        ({"location": "Room 4, 10 South Colonnade"}, "meeting"),  # its current value: nothing changes
        ({"start": "2030-03-05T20:00:00"}, "end"),  # after the (kept) end
        ({"start": "2020-03-05T18:00:00", "end": "2020-03-05T19:00:00"}, "start"),  # into the past
        ({"online_url": None}, "online_url"),  # null is not "remove": "" is
        ({"uid": "x"}, None),  # not a field of a meeting update
    ]
    for body, field in cases:
        refused = client.patch(path, json=body, headers=admins.editor)
        assert refused.status_code == 422, (body, refused.text)
        if field:
            assert refused.json()["detail"][0]["field"] == field, refused.text
    removed = client.patch(path, json={"online_url": ""}, headers=admins.editor)
    assert removed.json()["changes"] == ["Online joining link: removed."]
    assert client.get(path, headers=admins.editor).json()["sequence"] == 1
    assert client.put(path, json=BASE, headers=admins.editor).status_code == 405


def test_minutes_only_for_a_meeting_that_was_held_or_an_audited_override(admins: Admins) -> None:
    client = admins.web.client
    held = _create(admins, "2030-03-05T18:00:00", "2030-03-05T19:30:00").json()
    cancelled = _create(admins, "2030-04-05T18:00:00", "2030-04-05T19:30:00").json()
    client.post(f"{API}/meetings/{cancelled['id']}/cancel", json={}, headers=admins.editor)
    minutes = {"minutes_body": "Agreed the budget."}
    for meeting, why in ((held, "has not ended yet"), (cancelled, "is cancelled")):
        refused = client.post(f"{API}/meetings/{meeting['id']}/minutes", json=minutes, headers=admins.editor)
        assert refused.status_code == 409 and why in refused.text
    with time_machine.travel(datetime(2030, 3, 5, 19, 30, tzinfo=UTC), tick=False):  # the moment it ends
        at_end = client.post(f"{API}/meetings/{held['id']}/minutes", json=minutes, headers=admins.editor)
        assert at_end.status_code == 201, at_end.text
        too_late = client.patch(f"{API}/meetings/{held['id']}", json={"title": "X"}, headers=admins.editor)
        assert too_late.status_code == 409
    page = client.get(held["page_url"].removeprefix(PUBLIC))
    assert page.status_code == 200 and "Minutes" in page.text and "Agreed the budget." in page.text
    unpublished = client.get(cancelled["page_url"].removeprefix(PUBLIC))
    assert unpublished.status_code == 200 and "Minutes" not in unpublished.text
    override = client.post(
        f"{API}/meetings/{cancelled['id']}/minutes",
        json=minutes | {"held_override": True, "minutes_url": "https://alpha.example.gov.uk/minutes/april/"},
        headers=admins.editor,
    )
    assert override.status_code == 201, override.text
    with unit_of_work(admins.web.sessions) as uow:
        trail = [
            (r.object_id, r.detail)
            for r in uow.session.scalars(select(AuditRecord).where(AuditRecord.action == "meeting.minutes"))
        ]
    linked = client.get(cancelled["page_url"].removeprefix(PUBLIC)).text
    assert "Agreed the budget." in linked and 'href="https://alpha.example.gov.uk/minutes/april/"' in linked
    no_access_needs = {"access_needs_deleted": 0}  # no answer had access needs to delete
    assert trail == [
        (held["id"], {"held_override": False, "not_held": None} | no_access_needs),
        (cancelled["id"], {"held_override": True, "not_held": "is cancelled"} | no_access_needs),
    ]


def _cli(admins: Admins, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", admins.web.settings.database_url)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", WEB_SECRET_KEY)
    monkeypatch.setenv("NOTIFIER_TASK_QUEUE_FACTORY", "tests.support.fakes:recorded_queue")
    return CliRunner().invoke(app, list(args))


@pytest.mark.own_database  # the CLI opens its own engine
def test_cli_updates_a_meeting_and_publishes_its_minutes_with_help(
    admins: Admins, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for command in ("create", "update", "cancel", "minutes"):
        shown = _cli(admins, monkeypatch, "meeting", command, "--help")
        lines = [line.strip() for line in shown.output.splitlines()]
        usage = next(n for n, line in enumerate(lines) if line.startswith("Usage:"))
        description = lines[usage + 2]  # the line after the blank one under Usage
        assert shown.exit_code == 0 and description and not description.startswith("╭"), shown.output
    meeting = _create(admins, "2030-03-05T18:00:00", "2030-03-05T19:30:00").json()
    gap = _cli(admins, monkeypatch, "meeting", "update", str(meeting["id"]), "--network", "alpha",
               "--start", "2030-03-31T01:30")  # fmt: skip
    assert gap.exit_code == 1 and "does not exist in London" in gap.output
    moved = _cli(admins, monkeypatch, "meeting", "update", str(meeting["id"]), "--network", "alpha",
                 "--location", "Room 6")  # fmt: skip
    assert moved.exit_code == 0, moved.output
    assert "Location: now Room 6." in moved.output
    got = admins.web.client.get(f"{API}/meetings/{meeting['id']}", headers=admins.editor).json()
    assert got["location"] == "Room 6" and got["online_url"] == BASE["online_url"]
    text = tmp_path / "minutes.txt"
    text.write_text("Agreed the budget.\n", encoding="utf-8")
    early = _cli(admins, monkeypatch, "meeting", "minutes", str(meeting["id"]), "--network", "alpha",
                 "--body-file", str(text))  # fmt: skip
    assert early.exit_code == 1 and "has not ended yet" in early.output
    with time_machine.travel(datetime(2030, 3, 6, tzinfo=UTC)):
        sent = _cli(admins, monkeypatch, "meeting", "minutes", str(meeting["id"]), "--network", "alpha",
                    "--body-file", str(text))  # fmt: skip
    assert sent.exit_code == 0, sent.output
    with unit_of_work(admins.web.sessions) as uow:
        (event,) = uow.session.scalars(select(Event).where(Event.kind == "minutes")).all()
        assert event.payload["minutes_body"] == "Agreed the budget."
