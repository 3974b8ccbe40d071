"""Connecting a real-sized site mails none of its past: on a generated site of 320 pages (years of
posts, events that have happened, news), `notifier hook connect` then `notifier hook post` send
nothing; one new post then sends one email to each subscriber of its topic; a page the list no
longer has is gone, and comes back unsent."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.cli import hook_site
from notifier.db.models import ContentPage, Delivery, Event, Network, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.sources import PageOutcome
from notifier.services.delivery.fanout import fan_out_next_batch
from tests.support.seeding import network_with_topics, subscriber
from tests.support.site_generator import generate_site, new_post
from tests.support.webapp import WebApp, web_app

pytestmark = pytest.mark.dates  # moves the clock (tests/conftest.py)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # the clock is frozen: no date here will pass


@pytest.fixture
def app(sessions: sessionmaker[Session]) -> tuple[WebApp, str]:
    with unit_of_work(sessions) as uow:
        network, (blog, events, news) = network_with_topics(uow.session, "big", ("blog", "events", "news"))
        network.settings = {
            "routing": {
                "collections": {"events": ["events"], "news": ["news"]},
                "categories": {"Blog": ["blog"]},
            }
        }
        subscriber(uow.session, network, "ann@dept.gov.uk", [blog, events])
        subscriber(uow.session, network, "ben@dept.gov.uk", [blog])
        subscriber(uow.session, network, "cat@dept.gov.uk", [news, events])
        secret = network.webhook_secret
    return web_app(sessions), secret


def run(
    web: WebApp, secret: str, root: Path, capsys: pytest.CaptureFixture[str], *, connect: bool = False
) -> tuple[int, list[dict[str, Any]]]:
    options = hook_site.PostOptions(
        network="big",
        endpoint="http://testserver",
        secret=secret,
        dry_run=False,
        as_json=True,
        connect=connect,
    )
    capsys.readouterr()
    refused = hook_site.post_site(root, None, None, None, options, client=web.client)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return refused, lines


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with unit_of_work(sessions) as uow:
        events = uow.session.scalar(select(func.count()).select_from(Event)) or 0
        pages = uow.session.scalar(select(func.count()).select_from(ContentPage)) or 0
    return events, pages


def test_connecting_a_site_of_320_pages_sends_nothing_then_one_new_post_sends_once(
    app: tuple[WebApp, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web, secret = app
    with time_machine.travel(NOW, tick=False):
        site = generate_site(tmp_path / "site", seed=25, now=NOW)
        assert site.live_pages >= 300
        refused, found = run(web, secret, site.root, capsys, connect=True)
        assert refused == 0
        assert Counter(p["action"] for p in found) == {"known": site.live_pages}
        assert counts(web.sessions) == (0, site.live_pages) and web.queue.fanouts == []
        # What connecting shows: without it, the old posts and the events to come would have gone out.
        would = [p for p in found if p["topics"]]
        assert 150 < len(would) < site.live_pages
        ended = [p for p in found if p["reason"] == "the event has ended"]
        assert len(ended) == 64  # four in five of the 80 events are over

        refused, posted = run(web, secret, site.root, capsys)
        assert refused == 0 and {p["action"] for p in posted} == {"unchanged"}
        assert counts(web.sessions) == (0, site.live_pages)

    later = NOW + timedelta(days=1)
    with time_machine.travel(later, tick=False):
        new_post(site.root, "new-chair", "Our new chair", later - timedelta(hours=2))
        refused, posted = run(web, secret, site.root, capsys)
        assert refused == 0
        sent = [p for p in posted if p["action"] == "send"]
        assert [(p["title"], p["topics"]) for p in sent] == [("Our new chair", ["blog"])]
        assert Counter(p["action"] for p in posted) == {"unchanged": site.live_pages, "send": 1}
    assert deliveries_by_address(web) == {"ann@dept.gov.uk": 1, "ben@dept.gov.uk": 1}


def deliveries_by_address(web: WebApp) -> dict[str, int]:
    for message_id in list(web.queue.fanouts):
        while not fan_out_next_batch(
            web.sessions, web.queue, message_id, batch_size=100, chunk_size=50
        ).finished:
            pass
    with unit_of_work(web.sessions) as uow:
        rows = uow.session.execute(
            select(Subscriber.email, func.count())
            .join(Delivery, Delivery.subscriber_id == Subscriber.id)
            .group_by(Subscriber.email)
        ).all()
    return {email: n for email, n in rows}


def test_pages_dated_before_the_connection_ended_events_and_notify_false_are_recorded_unsent(
    app: tuple[WebApp, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web, secret = app
    root = tmp_path / "site"
    with time_machine.travel(NOW, tick=False):
        generate_site(root, seed=7, now=NOW, posts=5, events=0)
        run(web, secret, root, capsys, connect=True)
    later = NOW + timedelta(days=2)
    with time_machine.travel(later, tick=False):
        new_post(root, "backdated", "Backdated", NOW - timedelta(days=30))
        new_post(root, "quiet", "Quiet", later - timedelta(hours=1))
        quiet = root / "_posts" / f"{later - timedelta(hours=1):%Y-%m-%d}-quiet.md"
        quiet.write_text(quiet.read_text().replace("---\nSomething", "notify: false\n---\nSomething", 1))
        (root / "_events" / "over.md").write_text(
            f"---\ntitle: Over\nevent:\n  start: {later - timedelta(days=1):%Y-%m-%d}\n---\nWas fun.\n",
            encoding="utf-8",
        )
        (root / "_events" / "coming.md").write_text(
            f"---\ntitle: Coming\nevent:\n  start: {later + timedelta(days=3):%Y-%m-%d}\n---\nCome.\n",
            encoding="utf-8",
        )
        _, posted = run(web, secret, root, capsys)
    by_title = {p["title"]: p for p in posted}
    assert by_title["Backdated"]["reason"] == "dated before the site was connected"
    assert by_title["Quiet"]["reason"] == "the page says notify: false"
    assert by_title["Over"]["reason"] == "the event has ended"
    assert {p["title"] for p in posted if p["action"] == "record"} == {"Backdated", "Quiet", "Over"}
    assert [p["title"] for p in posted if p["action"] == "send"] == ["Coming"]
    with unit_of_work(web.sessions) as uow:
        outcomes = dict(uow.session.execute(select(ContentPage.title, ContentPage.outcome)).tuples().all())
        network = uow.session.scalars(select(Network)).one()
        assert network.site_connected_at == NOW
    assert outcomes["Coming"] is PageOutcome.SENT and outcomes["Over"] is PageOutcome.RECORDED
    assert counts(web.sessions)[0] == 1


def test_a_site_never_connected_is_refused_and_gone_pages_come_back_unsent(
    app: tuple[WebApp, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web, secret = app
    root = tmp_path / "site"
    with time_machine.travel(NOW, tick=False):
        generate_site(root, seed=3, now=NOW, posts=4, events=2)
        with pytest.raises(typer.Exit):  # the hook answered 409: the command stops
            run(web, secret, root, capsys)
        assert "not connected" in " ".join(capsys.readouterr().err.split())
        assert counts(web.sessions) == (0, 0)
        run(web, secret, root, capsys, connect=True)
    moved = root / "_news" / "news-0.md"
    kept = moved.read_text()
    moved.unlink()
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        _, posted = run(web, secret, root, capsys)
    gone = [p["url"] for p in posted if p["action"] == "gone"]
    assert gone == [f"https://big.example.gov.uk/news/{_year(kept)}/news-0/"]
    moved.write_text(kept)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        _, again = run(web, secret, root, capsys)
    assert {p["action"] for p in again} == {"unchanged"}
    assert counts(web.sessions)[0] == 0


def _year(text: str) -> str:
    return text.split("date: ", 1)[1][:4]
