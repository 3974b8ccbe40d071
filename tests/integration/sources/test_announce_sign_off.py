"""`notifier announce` keeps the network's sign-off rule: the same draft -> approval -> schedule path
as the admin API, with every step and the send in the audit log (who asked, who approved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from notifier.cli import app
from notifier.db.models import Announcement, ApiToken, AuditRecord, Message, Network
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole, AnnouncementStatus
from notifier.services.sources import announcements
from notifier.services.sources.meetings import SourceDeps
from tests.support.admin_api import API, Admins
from tests.support.fakes import CLI_QUEUE
from tests.support.webapp import WEB_SECRET_KEY

# Its meetings and announcements are dated in 2030: the clock is kept before them.
pytestmark = [pytest.mark.dates, pytest.mark.usefixtures("clock_in_2029")]


def _send_due(sessions: sessionmaker[Session], deps: SourceDeps, now: datetime) -> list[int]:
    """What beat's event-sources task does: due announcements in a unit of work of their own."""
    with unit_of_work(sessions) as uow:
        return announcements.send_due(uow, deps, now)


def _announce(admins: Admins, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, subject: str) -> str:
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", admins.web.settings.database_url)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", WEB_SECRET_KEY)
    monkeypatch.setenv("NOTIFIER_TASK_QUEUE_FACTORY", "tests.support.fakes:recorded_queue")
    CLI_QUEUE.fanouts.clear()
    CLI_QUEUE.sends.clear()
    body = tmp_path / "body.txt"
    body.write_text("Voting opens on Monday.\n\nOne vote each.\n", encoding="utf-8")
    args = ["announce", "--network", "alpha", "--topic", "news", "--subject", subject]
    result = CliRunner().invoke(app, [*args, "--body-file", str(body)])
    assert result.exit_code == 0, result.output
    return result.output


def _trail(admins: Admins) -> list[tuple[str, str, dict[str, object]]]:
    with unit_of_work(admins.web.sessions) as uow:
        rows = uow.session.scalars(select(AuditRecord).order_by(AuditRecord.id))
        return [(r.actor, r.action, r.detail) for r in rows if r.object_type == "announcement"]


@pytest.mark.own_database  # the CLI opens its own engine
def test_announce_on_a_sign_off_network_makes_a_draft_awaiting_approval_and_sends_nothing(
    admins: Admins, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    output = _announce(admins, monkeypatch, tmp_path, "AGM: vote for your co-chair")
    assert "awaiting approval" in output and "requires sign-off" in output
    with unit_of_work(admins.web.sessions) as uow:
        (draft,) = uow.session.scalars(select(Announcement)).all()
        assert draft.status is AnnouncementStatus.AWAITING_APPROVAL and draft.message_id is None
        assert draft.author_token_id is None
        assert uow.session.scalars(select(Message)).all() == []
        approver_id = uow.session.scalars(
            select(ApiToken.id).where(ApiToken.role == AdminRole.APPROVER)
        ).one()
    assert CLI_QUEUE.fanouts == [] and CLI_QUEUE.sends == []
    deps = SourceDeps.from_settings(admins.web.settings, admins.web.queue)
    later = datetime.now(UTC) + timedelta(days=1)
    assert _send_due(admins.web.sessions, deps, later) == []  # unapproved: never due
    path = f"{API}/announcements/{draft.id}"
    assert admins.web.client.post(f"{path}/approve", headers=admins.editor).status_code == 403
    approved = admins.web.client.post(f"{path}/approve", headers=admins.approver)
    assert approved.status_code == 200 and approved.json()["status"] == "scheduled"
    assert _send_due(admins.web.sessions, deps, later) == [draft.id]
    approver = f"token:{approver_id}"
    assert [(actor, action) for actor, action, _ in _trail(admins)] == [
        ("cli", "announcement.create"),
        ("cli", "announcement.submit"),
        (approver, "announcement.approve"),
        ("scheduler", "announcement.send"),
    ]
    send = _trail(admins)[-1][2]
    assert send["asked_by"] == "cli" and send["approved_by"] == approver
    assert send["sign_off_required"] is True and isinstance(send["message_id"], int)


@pytest.mark.own_database  # the CLI opens its own engine
def test_announce_without_sign_off_sends_at_once_and_audits_who_asked(
    admins: Admins, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with unit_of_work(admins.web.sessions) as uow:
        uow.session.scalars(select(Network).where(Network.slug == "alpha")).one().requires_sign_off = False
    output = _announce(admins, monkeypatch, tmp_path, "Social on Friday")
    with unit_of_work(admins.web.sessions) as uow:
        (sent,) = uow.session.scalars(select(Announcement)).all()
        (message,) = uow.session.scalars(select(Message)).all()
    assert sent.status is AnnouncementStatus.SENT and sent.message_id == message.id
    assert f"queued as message {message.id}" in output and CLI_QUEUE.fanouts == [message.id]
    assert message.context["subject"] == "Social on Friday"
    trail = _trail(admins)
    assert [(actor, action) for actor, action, _ in trail] == [
        ("cli", "announcement.create"),
        ("cli", "announcement.submit"),
        ("scheduler", "announcement.send"),
    ]
    assert trail[-1][2] == {
        "message_id": message.id,
        "asked_by": "cli",
        "approved_by": None,
        "sign_off_required": False,
    }


@pytest.mark.own_database  # the CLI opens its own engine
def test_announce_refuses_a_bad_subject_and_stores_nothing(
    admins: Admins, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", admins.web.settings.database_url)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", WEB_SECRET_KEY)
    monkeypatch.setenv("NOTIFIER_TASK_QUEUE_FACTORY", "tests.support.fakes:recorded_queue")
    body = tmp_path / "body.txt"
    body.write_text("Text", encoding="utf-8")
    args = ["announce", "--network", "alpha", "--topic", "news", "--subject", "   "]
    refused = CliRunner().invoke(app, [*args, "--body-file", str(body)])
    assert refused.exit_code == 1 and "subject" in refused.output
    with unit_of_work(admins.web.sessions) as uow:
        assert uow.session.scalars(select(Announcement)).all() == []
        assert uow.session.scalars(select(AuditRecord)).all() == []


def test_a_send_time_the_clocks_skip_is_refused(admins: Admins) -> None:
    body = {"topic": "news", "subject": "Survey", "body": "Please fill it in."}
    draft = admins.web.client.post(f"{API}/announcements", json=body, headers=admins.editor).json()
    path = f"{API}/announcements/{draft['id']}/submit"
    refused = admins.web.client.post(path, json={"send_at": "2030-03-31T01:30:00"}, headers=admins.editor)
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "send_at"
    assert "does not exist in London" in refused.text
    later = admins.web.client.post(path, json={"send_at": "2030-10-27T01:30:00"}, headers=admins.editor)
    assert later.status_code == 200 and later.json()["send_at"].startswith("2030-10-27T00:30:00")
