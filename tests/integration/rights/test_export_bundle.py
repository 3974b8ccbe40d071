"""Access and portability: the bundle, checked field by field against what the database holds about
the person (read here with plain SQL), and against nobody else; from the pages and from the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from notifier.cli import app as cli
from notifier.db.models import Subscriber
from notifier.db.session import unit_of_work
from tests.integration.rights.flow import Person, ask, confirm
from tests.support.seeding import HASH_KEY


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def held_about(session: Session, subscriber_id: int) -> dict[str, Any]:
    """What the tables hold about this person, read without the export code."""

    def rows(sql: str) -> list[dict[str, Any]]:
        return [dict(r) for r in session.execute(sa.text(sql), {"s": subscriber_id}).mappings()]

    person = session.get_one(Subscriber, subscriber_id)
    return {
        "subscriber": {
            "id": person.id,
            "email": person.email,
            "pending_email": person.pending_email,
            "name": person.name,
            "department": person.department,
            "status": person.status.value,
            "created_at": iso(person.created_at),
            "confirmed_at": iso(person.confirmed_at),
            "left_at": iso(person.left_at),
        },
        "topics": rows(
            "SELECT t.name, s.frequency FROM subscription s JOIN topic t ON t.id = s.topic_id "
            "WHERE s.subscriber_id = :s ORDER BY s.id"
        ),
        "consent": rows(
            "SELECT action, source, notice_version FROM consent_event WHERE subscriber_id = :s ORDER BY id"
        ),
        "signups": rows(
            "SELECT name, department, frequency FROM signup WHERE subscriber_id = :s ORDER BY id"
        ),
        "memberships": rows(
            "SELECT status, eligibility_statement, note FROM membership WHERE subscriber_id = :s"
        ),
        "meetings": rows(
            "SELECT m.title FROM meeting m JOIN meeting_invitee i ON i.meeting_id = m.id "
            "WHERE i.subscriber_id = :s"
        ),
        "emails": rows(
            "SELECT d.status, d.notify_id, m.email_kind FROM delivery d "
            "JOIN message m ON m.id = d.message_id WHERE d.subscriber_id = :s ORDER BY d.id"
        ),
        "requests": rows(
            "SELECT kind, status, outcome FROM data_request WHERE subscriber_id = :s ORDER BY id"
        ),
    }


def check_bundle(bundle: dict[str, Any], held: dict[str, Any]) -> None:
    assert bundle["subscriber"] == held["subscriber"]
    assert [(s["topic"], s["frequency"]) for s in bundle["subscriptions"]] == [
        (r["name"], r["frequency"]) for r in held["topics"]
    ]
    assert [(c["action"], c["source"], c["privacy_notice_version"]) for c in bundle["consent_history"]] == [
        (r["action"], r["source"], r["notice_version"]) for r in held["consent"]
    ]
    assert len(bundle["consent_history"]) >= 2  # the ledger is there, not just current state
    assert [(s["name"], s["department"], s["frequency"]) for s in bundle["signups"]] == [
        (r["name"], r["department"], r["frequency"]) for r in held["signups"]
    ]
    assert [(m["status"], m["eligibility_statement"], m["note"]) for m in bundle["memberships"]] == [
        (r["status"], r["eligibility_statement"], r["note"]) for r in held["memberships"]
    ]
    assert [m["meeting"] for m in bundle["meeting_invitations"]] == [r["title"] for r in held["meetings"]]
    assert [(e["status"], e["notify_id"], e["kind"]) for e in bundle["emails"]] == [
        (r["status"], r["notify_id"], r["email_kind"]) for r in held["emails"]
    ]
    assert [(r["kind"], r["status"], r["outcome"]) for r in bundle["data_requests"]] == [
        (r["kind"], r["status"], r["outcome"]) for r in held["requests"]
    ]
    assert bundle["suppression"] == {"suppressed": False}
    assert "keyed hash" in bundle["about"]["what_survives_erasure"]
    assert "7 days" in bundle["about"]["notify_copies"]
    text = json.dumps(bundle)
    for stranger in ("other@justice.gov.uk", "Oli Other", "stays@"):
        assert stranger not in text


def check_csv(text: str, bundle: dict[str, Any]) -> None:
    """Every CSV row is a value of the JSON bundle, and every JSON value has its row."""
    parsed = list(csv.DictReader(io.StringIO(text)))
    flat = {}
    for section, content in bundle.items():
        records = content if isinstance(content, list) else [content]
        for index, record in enumerate(records, start=1):
            for name, value in record.items():
                item = str(index) if isinstance(content, list) else ""
                flat[(section, item, name)] = "" if value is None else str(value)
    from_csv = {(r["section"], r["item"], r["field"]): r["value"] for r in parsed}
    stamp = ("about", "", "generated_at")  # each download is made afresh
    assert from_csv.pop(stamp) and flat.pop(stamp)
    assert from_csv == flat
    assert "other@justice.gov.uk" not in text


def test_the_access_bundle_from_the_pages_is_exactly_what_is_held(person: Person) -> None:
    link = ask(person, "access")
    text = confirm(person, link)
    assert "Your data (JSON)" in text
    client = person.web.client
    export = link.replace("/verify/", "/export/")
    bundle = client.get(f"{export}.json").json()
    with unit_of_work(person.web.sessions) as uow:
        held = held_about(uow.session, person.subscriber_id)
    check_bundle(bundle, held)
    response = client.get(f"{export}.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    check_csv(response.text, bundle)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, isolated_database_url: str) -> None:
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", isolated_database_url)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", HASH_KEY)


@pytest.mark.own_database  # the CLI opens its own engine
@pytest.mark.usefixtures("cli_env")
def test_requests_from_the_cli(person: Person, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    runner = CliRunner()
    email = "pat.lee@justice.gov.uk"
    out = runner.invoke(
        cli, ["rights", "export", "--network", "alpha", "--email", email, "--out", str(tmp_path)]
    )
    assert out.exit_code == 0, out.output
    bundle = json.loads((tmp_path / "your-data.json").read_text())
    with unit_of_work(sessions) as uow:
        held = held_about(uow.session, person.subscriber_id)
    check_bundle(bundle, held)
    check_csv((tmp_path / "your-data.csv").read_text(), bundle)

    fix = ["rights", "record", "--network", "alpha", "--email", email, "--kind", "rectification"]
    refused = runner.invoke(cli, fix)
    assert refused.exit_code == 1 and "enter your full name" in refused.output
    done = runner.invoke(cli, [*fix, "--name", "Pat Leigh", "--department", "HMRC"])
    assert done.exit_code == 0 and "completed" in done.output
    for kind in ("restriction", "lift_restriction", "objection", "erasure"):
        result = runner.invoke(
            cli, ["rights", "record", "--network", "alpha", "--email", email, "--kind", kind]
        )
        assert result.exit_code == 0, result.output
    listed = runner.invoke(cli, ["rights", "list", "--network", "alpha", "--all"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    for kind in ("access", "rectification", "restriction", "lift_restriction", "objection", "erasure"):
        assert kind in listed.output
    assert "awaiting_notify" in listed.output  # Notify still holds the emails sent to them
    with unit_of_work(sessions) as uow:
        assert (
            uow.session.execute(
                sa.text("SELECT count(*) FROM subscriber WHERE email = :e"), {"e": email}
            ).scalar()
            == 0
        )


@pytest.mark.own_database  # the CLI opens its own engine
@pytest.mark.usefixtures("cli_env")
def test_retention_report_rules_and_run_from_the_cli(person: Person) -> None:
    runner = CliRunner()
    wide = {"COLUMNS": "200"}
    report = runner.invoke(cli, ["retention", "report", "--network", "alpha"], env=wide)
    assert report.exit_code == 0, report.output
    for rule in ("left_subscriber", "unconfirmed_signup", "contact_enquiry", "delivery_link", "6 months"):
        assert rule in report.output
    longer = ["retention", "set-rule", "--network", "alpha", "--rule", "contact_enquiry", "--months", "7"]
    refused = runner.invoke(cli, longer)
    assert refused.exit_code == 1 and "longer than the privacy notice" in refused.output
    shorter = runner.invoke(cli, [*longer[:-1], "3"])
    assert shorter.exit_code == 0, shorter.output
    assert "3 months" in runner.invoke(cli, ["retention", "report", "--network", "alpha"], env=wide).output
    run = runner.invoke(cli, ["retention", "run"], env=wide)
    assert run.exit_code == 0, run.output
    assert "retention run" in run.output and "left_subscriber" in run.output
