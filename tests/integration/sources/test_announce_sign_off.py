"""`notifier announce` keeps the network's sign-off rule: the same draft -> approval -> schedule path
as the admin API, for the admin `--as` names, and nothing is sent until someone else approves it in
the web admin (no token, and not the command line, ever approves); `notifier token create` makes no
identity that approves. Every step and the send are in the audit log (who asked, who approved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from notifier.cli import app
from notifier.db.models import Announcement, ApiToken, AuditRecord, Message
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole, AnnouncementStatus
from notifier.services.sources import announcements
from notifier.services.sources.announcements import AnnouncementError
from notifier.services.sources.meetings import SourceDeps
from tests.support.admin_api import API, APPROVER, CHAIR, Admins, bearer
from tests.support.fakes import CLI_QUEUE
from tests.support.webapp import WEB_SECRET_KEY

# Its meetings and announcements are dated in 2030: the clock is kept before them.
pytestmark = [pytest.mark.dates, pytest.mark.usefixtures("clock_in_2029")]


def _send_due(sessions: sessionmaker[Session], deps: SourceDeps, now: datetime) -> list[int]:
    """What beat's event-sources task does: due announcements in a unit of work of their own."""
    with unit_of_work(sessions) as uow:
        return announcements.send_due(uow, deps, now)


def _cli(admins: Admins, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", admins.web.settings.database_url)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", WEB_SECRET_KEY)
    monkeypatch.setenv("NOTIFIER_TASK_QUEUE_FACTORY", "tests.support.fakes:recorded_queue")
    CLI_QUEUE.fanouts.clear()
    CLI_QUEUE.sends.clear()
    return CliRunner()


def _announce(
    admins: Admins, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, subject: str, as_admin: str = CHAIR
) -> str:
    body = tmp_path / "body.txt"
    body.write_text("Voting opens on Monday.\n\nOne vote each.\n", encoding="utf-8")
    args = ["announce", "--network", "alpha", "--topic", "news", "--subject", subject, "--as", as_admin]
    result = _cli(admins, monkeypatch).invoke(app, [*args, "--body-file", str(body)])
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
    admins.sign_off()
    output = _announce(admins, monkeypatch, tmp_path, "AGM: vote for your co-chair")
    assert "awaiting approval" in output and "requires sign-off" in output
    assert "signed in to the web admin" in output and "/admin/alpha/announcements/" in output
    with unit_of_work(admins.web.sessions) as uow:
        (draft,) = uow.session.scalars(select(Announcement)).all()
        assert draft.status is AnnouncementStatus.AWAITING_APPROVAL and draft.message_id is None
        assert draft.author_token_id is None and draft.author_admin_id == admins.chair_id
        (told,) = uow.session.scalars(select(Message)).all()  # the approver is told; nobody else
        assert told.email_kind == "approval_needed" and told.context["people"] == 1
        assert told.context["asked_by"] == "Cat Chair (admin) on the command line"
    assert CLI_QUEUE.fanouts == [] and len(CLI_QUEUE.sends) == 1
    deps = SourceDeps.from_settings(admins.web.settings, admins.web.queue)
    later = datetime.now(UTC) + timedelta(days=1)
    assert _send_due(admins.web.sessions, deps, later) == []  # unapproved: never due
    path = f"{API}/announcements/{draft.id}"
    for token in (admins.editor, admins.admin):
        assert admins.web.client.post(f"{path}/approve", headers=token).status_code == 403
    chair_person, approver_person = admins.person(admins.chair_id), admins.person(admins.approver_id)
    with unit_of_work(admins.web.sessions) as uow, pytest.raises(AnnouncementError, match="own"):
        announcements.approve(uow, uow.session.get_one(Announcement, draft.id), chair_person)
    with unit_of_work(admins.web.sessions) as uow:  # a second person, signed in to the web admin
        announcements.approve(uow, uow.session.get_one(Announcement, draft.id), approver_person)
    assert _send_due(admins.web.sessions, deps, later) == [draft.id]
    chair, approver = f"cli:{admins.chair_id}", f"admin:{admins.approver_id}"
    assert [(actor, action) for actor, action, _ in _trail(admins)] == [
        (chair, "announcement.create"),
        (chair, "announcement.submit"),
        (approver, "announcement.approve"),
        ("scheduler", "announcement.send"),
    ]
    send = _trail(admins)[-1][2]
    assert send["asked_by"] == chair and send["approved_by"] == approver
    assert send["sign_off_required"] is True and isinstance(send["message_id"], int)
    summary = next(a for a in admins.web.client.get(f"{API}/audit", headers=admins.admin).json()
                   if a["action"] == "announcement.approve")["summary"]  # fmt: skip
    asked = "Cat Chair (admin) on the command line"
    approved = "Ola Approver (approver) approved the announcement “AGM: vote for your co-chair”"
    assert summary == f"{approved} (asked by {asked})"


@pytest.mark.own_database  # the CLI opens its own engine
def test_announce_without_sign_off_sends_at_once_and_audits_who_asked(
    admins: Admins, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    output = _announce(admins, monkeypatch, tmp_path, "Social on Friday")  # alpha: sign-off off
    with unit_of_work(admins.web.sessions) as uow:
        (sent,) = uow.session.scalars(select(Announcement)).all()
        (message,) = uow.session.scalars(select(Message)).all()
    assert sent.status is AnnouncementStatus.SENT and sent.message_id == message.id
    assert f"queued as message {message.id}" in output and CLI_QUEUE.fanouts == [message.id]
    assert message.context["subject"] == "Social on Friday"
    trail = _trail(admins)
    chair = f"cli:{admins.chair_id}"
    assert [(actor, action) for actor, action, _ in trail] == [
        (chair, "announcement.create"),
        (chair, "announcement.submit"),
        ("scheduler", "announcement.send"),
    ]
    assert trail[-1][2] == {
        "message_id": message.id,
        "asked_by": chair,
        "approved_by": None,
        "sign_off_required": False,
    }


@pytest.mark.own_database  # the CLI opens its own engine
def test_announce_names_an_admin_or_refuses(
    admins: Admins, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    body = tmp_path / "body.txt"
    body.write_text("Text", encoding="utf-8")
    args = ["announce", "--network", "alpha", "--topic", "news", "--subject", "S", "--body-file", str(body)]
    runner = _cli(admins, monkeypatch)
    for who in ("sam.editor@dept.gov.uk", "nobody@dept.gov.uk"):  # a subscriber, and a stranger
        refused = runner.invoke(app, [*args, "--as", who])
        assert refused.exit_code == 1 and "--as" in refused.output and "no live role" in refused.output
    assert "Missing option '--as'" in runner.invoke(app, args).output
    with unit_of_work(admins.web.sessions) as uow:
        assert uow.session.scalars(select(Announcement)).all() == []


@pytest.mark.own_database  # the CLI opens its own engine
def test_token_create_makes_no_identity_that_approves(
    admins: Admins, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = _cli(admins, monkeypatch)
    args = [
        "token",
        "create",
        "--network",
        "alpha",
        "--label",
        "site build",
        "--email",
        "no.such.person@dept.gov.uk",
    ]
    approver = runner.invoke(app, [*args, "--role", "approver", "--created-by", CHAIR])
    assert approver.exit_code == 1 and "never approve" in approver.output
    not_admin = runner.invoke(app, [*args, "--role", "editor", "--created-by", APPROVER])
    assert not_admin.exit_code == 1 and "--created-by" in not_admin.output
    made = runner.invoke(app, [*args, "--role", "admin", "--created-by", CHAIR])
    assert made.exit_code == 0 and "Authorization: Bearer ntf_" in made.output, made.output
    secret = made.output.split("Bearer ", 1)[1].split()[0]
    with unit_of_work(admins.web.sessions) as uow:
        token = uow.session.scalars(select(ApiToken).where(ApiToken.label == "site build")).one()
        assert token.role is AdminRole.ADMIN and token.created_by_admin_id == admins.chair_id
    admins.sign_off()
    body = {"topic": "news", "subject": "From a script", "body": "Hello."}
    draft = admins.web.client.post(f"{API}/announcements", json=body, headers=bearer(secret)).json()
    path = f"{API}/announcements/{draft['id']}"
    assert admins.web.client.post(f"{path}/submit", json={}, headers=bearer(secret)).status_code == 200
    refused = admins.web.client.post(f"{path}/approve", headers=bearer(secret))
    assert refused.status_code == 403 and "signed in to the web admin" in refused.text


@pytest.mark.own_database  # the CLI opens its own engine
def test_announce_refuses_a_bad_subject_and_stores_nothing(
    admins: Admins, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", admins.web.settings.database_url)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", WEB_SECRET_KEY)
    monkeypatch.setenv("NOTIFIER_TASK_QUEUE_FACTORY", "tests.support.fakes:recorded_queue")
    body = tmp_path / "body.txt"
    body.write_text("Text", encoding="utf-8")
    args = ["announce", "--network", "alpha", "--topic", "news", "--subject", "   ", "--as", CHAIR]
    refused = CliRunner().invoke(app, [*args, "--body-file", str(body)])
    assert refused.exit_code == 1 and "subject" in refused.output
    with unit_of_work(admins.web.sessions) as uow:
        assert uow.session.scalars(select(Announcement)).all() == []
        assert uow.session.scalars(select(AuditRecord).where(AuditRecord.actor != "cli")).all() == []


def test_a_send_time_the_clocks_skip_is_refused(admins: Admins) -> None:
    body = {"topic": "news", "subject": "Survey", "body": "Please fill it in."}
    draft = admins.web.client.post(f"{API}/announcements", json=body, headers=admins.editor).json()
    path = f"{API}/announcements/{draft['id']}/submit"
    refused = admins.web.client.post(path, json={"send_at": "2030-03-31T01:30:00"}, headers=admins.editor)
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "send_at"
    assert "does not exist in London" in refused.text
    later = admins.web.client.post(path, json={"send_at": "2030-10-27T01:30:00"}, headers=admins.editor)
    assert later.status_code == 200 and later.json()["send_at"].startswith("2030-10-27T00:30:00")
