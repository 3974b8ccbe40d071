"""A network names its own front-matter keys and routing rules, through the admin API and the CLI;
both are validated when set (an unknown field or topic is refused, nothing half-stored), and the
publish hook reads pages with them."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from notifier.cli import app as cli_app
from notifier.db.models import Event, Message, Network, Topic
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.services.sources import webhooks
from tests.support.seeding import issue_test_token, network_with_topics, subscriber
from tests.support.webapp import WEB_SECRET_KEY, WebApp, web_app

pytestmark = pytest.mark.dates

API = "/admin/api/networks/alpha/site"
SITE = "https://alpha.example.gov.uk"
PAGE = """\
title: Pride social
categories: Pride Events
event:
  date: 2030-06-20 18:00
  venue: The Hub, Leeds
  deadline: 2030-06-18
  email: pride@alpha.example.gov.uk
"""


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> tuple[WebApp, dict[str, str], dict[str, str], str]:
    with unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, "alpha", ("news", "pride", "events"))
        subscriber(uow.session, network, "reader@dept.gov.uk", topics)

        def bearer(role: AdminRole) -> dict[str, str]:
            issued = issue_test_token(uow.session, network, role, "a@dept.gov.uk")
            return {"Authorization": f"Bearer {issued.secret}"}

        admin, editor, secret = bearer(AdminRole.ADMIN), bearer(AdminRole.EDITOR), network.webhook_secret
    return web_app(sessions), admin, editor, secret


def settings_of(sessions: sessionmaker[Session]) -> dict[str, Any]:
    with unit_of_work(sessions) as uow:
        return dict(uow.session.scalars(select(Network)).one().settings)


def test_routing_and_field_names_are_validated_and_used(
    web: tuple[WebApp, dict[str, str], dict[str, str], str],
) -> None:
    app, admin, editor, secret = web
    client = app.client
    shown = client.get(API, headers=editor).json()
    assert "deadline" in shown["spellings"]["event.registration_deadline"]  # common spellings by default
    rules = {"categories": {"pride": ["pride"], "EVENTS": ["events"]}, "default": ["news"]}
    assert client.put(f"{API}/routing", json=rules, headers=editor).status_code == 403
    unknown = client.put(f"{API}/routing", json={**rules, "tags": {"x": ["nope"]}}, headers=admin)
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["field"] == "routing.tags.x"
    assert "routing" not in settings_of(app.sessions)  # nothing half-stored
    assert client.put(f"{API}/routing", json=rules, headers=admin).status_code == 200
    bad_field = client.put(f"{API}/fields", json={"fields": {"event.booking": "link"}}, headers=admin)
    assert bad_field.status_code == 422 and bad_field.json()["detail"][0]["field"] == "fields.event.booking"
    named = client.put(f"{API}/fields", json={"fields": {"event.location": ["room", "venue"]}}, headers=admin)
    assert named.status_code == 200 and named.json()["spellings"]["event.location"][:2] == ["room", "venue"]

    body = json.dumps(
        {"url": f"{SITE}/events/pride-social/", "collection": "events", "front_matter": PAGE}
    ).encode()
    with time_machine.travel(datetime(2030, 6, 1, tzinfo=UTC), tick=True):
        dry = client.post(
            "/hooks/alpha/content",
            content=json.dumps({**json.loads(body), "dry_run": True}).encode(),
            headers=webhooks.signed_headers(
                secret, json.dumps({**json.loads(body), "dry_run": True}).encode(), now=time.time()
            ),
        )
        assert dry.status_code == 200 and sorted(dry.json()["topics"]) == ["events", "pride"], dry.text
        sent = client.post(
            "/hooks/alpha/content",
            content=body,
            headers=webhooks.signed_headers(secret, body, now=time.time()),
        )
    assert sent.status_code == 202 and "warnings" not in sent.json(), sent.text
    with unit_of_work(app.sessions) as uow:
        event = uow.session.scalars(select(Event)).one()
        assert event.payload["event"] == {
            "start": "2030-06-20T18:00:00+01:00",
            "end": None,
            "all_day": False,
            "location": "The Hub, Leeds",
            "registration_deadline": "2030-06-18T23:59:00+01:00",
            "contact_email": "pride@alpha.example.gov.uk",
        }
        topics = uow.session.scalars(select(Topic.slug).join(Message, Message.topic_id == Topic.id)).all()
        # `categories: Pride Events` is two categories, as Jekyll splits it; rules match them by slug.
        assert sorted(topics) == ["events", "pride"]


@pytest.mark.own_database  # the CLI opens its own engine
def test_the_cli_shows_and_sets_them_with_the_same_checks(
    web: tuple[WebApp, dict[str, str], dict[str, str], str],
    isolated_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = web[0]
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", isolated_database_url)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", WEB_SECRET_KEY)
    runner = CliRunner()
    refused = runner.invoke(
        cli_app, ["hook", "routing", "--network", "alpha", "--set", '{"default": ["nope"]}']
    )
    assert refused.exit_code == 1 and "routing.default" in refused.output
    done = runner.invoke(
        cli_app, ["hook", "routing", "--network", "alpha", "--set", '{"collections": {"events": ["events"]}}']
    )
    assert done.exit_code == 0 and '"events"' in done.output, done.output
    assert settings_of(app.sessions)["routing"] == {"collections": {"events": ["events"]}}
    bad = runner.invoke(cli_app, ["hook", "fields", "--network", "alpha", "--set", "nonsense=x"])
    assert bad.exit_code == 1 and "fields.nonsense" in bad.output
    named = runner.invoke(
        cli_app, ["hook", "fields", "--network", "alpha", "--set", "event.contact_email=organiser,email"]
    )
    assert named.exit_code == 0 and "organiser, email, contact_email" in named.output, named.output
    assert settings_of(app.sessions)["fields"] == {"event.contact_email": ["organiser", "email"]}
