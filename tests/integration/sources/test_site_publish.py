"""`notifier hook connect` and `post` on the messy Jekyll site against the real web app and database:
the dry run says what would happen and stores nothing, connecting records each live page and sends
nothing, posting again changes nothing, and `--since` posts only what git says changed."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.cli import hook_site
from notifier.db.models import ContentPage, Event, Message
from notifier.db.session import unit_of_work
from notifier.services.sources.jekyll.config import read_config
from notifier.services.sources.jekyll.documents import read_documents, written
from tests.support.seeding import network_with_topics, subscriber
from tests.support.webapp import WebApp, web_app

pytestmark = pytest.mark.dates

MESSY = Path(__file__).parents[2] / "fixtures" / "jekyll_sites" / "messy"


@pytest.fixture
def app(sessions: sessionmaker[Session]) -> tuple[WebApp, str]:
    with unit_of_work(sessions) as uow:
        network, (news, events, blog) = network_with_topics(uow.session, "messy", ("news", "events", "blog"))
        network.settings = {
            "routing": {
                "collections": {"events": ["events"], "news": ["news"]},
                "categories": {"Blog": ["blog"]},
                "default": ["news"],
            }
        }
        subscriber(uow.session, network, "reader@dept.gov.uk", [news, events, blog])
        secret = network.webhook_secret
    return web_app(sessions), secret


def counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with unit_of_work(sessions) as uow:
        found = [
            uow.session.scalar(select(func.count()).select_from(t)) or 0
            for t in (Event, Message, ContentPage)
        ]
    return found[0], found[1], found[2]


def run(
    web: WebApp,
    secret: str,
    root: Path,
    capsys: pytest.CaptureFixture[str],
    *,
    dry_run: bool = False,
    since: str | None = None,
    connect: bool = False,
) -> tuple[int, list[dict[str, Any]]]:
    options = hook_site.PostOptions(
        network="messy", endpoint="http://testserver", secret=secret, dry_run=dry_run, as_json=True,
        connect=connect,
    )  # fmt: skip
    capsys.readouterr()
    refused = hook_site.post_site(root, None, None, since, options, client=web.client)
    # The in-process web app's access log shares stdout here; the CLI's JSON lines are the ones it printed.
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return refused, lines


def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(MESSY, root)
    return root


def test_a_whole_site_connected_then_posted_sends_nothing(
    app: tuple[WebApp, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web, secret = app
    root = site(tmp_path)
    refused, dry = run(web, secret, root, capsys, dry_run=True, connect=True)
    assert refused == 2 and counts(web.sessions) == (0, 0, 0)
    by_path = {page["path"]: page for page in dry}
    spring = by_path["_posts/2025-03-05-spring forum.md"]
    # Connecting sends nothing; the topics are where it would have gone had the site not been connected.
    assert spring["action"] == "known" and spring["topics"] == ["blog"]
    assert spring["url"] == "https://messy.example.gov.uk/network/blog/staff/news/2025/03/05/spring-forum/"
    agm = by_path["_events/agm 2025.md"]  # an event long over: it would not have been sent anyway
    assert agm["topics"] == [] and agm["reason"] == "the event has ended"
    assert [w["field"] for w in by_path["_events/agm 2025.md"]["warnings"]] == ["front_matter.event.end"]
    assert by_path["_posts/2025-04-02-duplicate-keys.md"]["reason"] == "published: false"
    assert "future" in by_path["_posts/2099-01-01-future.md"]["reason"]
    assert "no output" in by_path["_minutes/2025-03-steering.md"]["reason"]
    symbol = by_path["_news/symbol-permalink.md"]
    assert symbol["action"] == "refuse" and "Ruby symbol" in symbol["reason"]
    numbers = by_path["_news/2025-04-04-numeric-categories.md"]
    assert numbers["action"] == "refuse" and "categories" in numbers["reason"]
    live = [p for p in dry if p["action"] == "known"]
    config, now = read_config(root), datetime.now(UTC)
    assert len(live) + 2 == sum(written(config, d, now=now)[0] for d in read_documents(config, now=now)) == 22

    refused, first = run(web, secret, root, capsys, connect=True)
    assert refused == 2  # the two pages Jekyll itself cannot read: nothing of theirs is stored
    assert sorted(p["path"] for p in first if p["action"] == "known") == sorted(p["path"] for p in live)
    assert counts(web.sessions) == (0, 0, 20) and web.queue.fanouts == []

    refused, second = run(web, secret, root, capsys)
    assert refused == 2
    assert {p["action"] for p in second if p["path"] in {q["path"] for q in live}} == {"unchanged"}
    assert counts(web.sessions) == (0, 0, 20)


def test_since_posts_only_the_pages_git_says_changed(
    app: tuple[WebApp, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web, secret = app
    root = site(tmp_path)
    git = shutil.which("git")
    assert git is not None
    for command in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "site"],
    ):
        subprocess.run([git, "-C", str(root), *command], check=True, capture_output=True)
    head = subprocess.run(
        [git, "-C", str(root), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    )
    run(web, secret, root, capsys, connect=True)
    new = root / "_news" / "2025-06-01-summer – fair.md"
    new.write_text("---\ntitle: Summer fair\n---\nSee you there.\n", encoding="utf-8")
    (root / "_events" / "listing.html").write_text(
        "---\ntitle: Listing, changed\ndate: 2025-01-02\n---\n", encoding="utf-8"
    )
    subprocess.run([git, "-C", str(root), "add", "-A"], check=True, capture_output=True)
    refused, posted = run(web, secret, root, capsys, since=head.stdout.strip())
    assert refused == 0
    assert sorted((p["path"], p["action"], p["reason"]) for p in posted) == [
        ("_events/listing.html", "changed", ""),
        ("_news/2025-06-01-summer – fair.md", "record", "dated before the site was connected"),
    ]
    # Jekyll's default scope `_news/2025` is a prefix match, so it covers `_news/2025-06-01-...` too.
    urls = {p["path"]: p["url"] for p in posted}
    assert (
        urls["_news/2025-06-01-summer – fair.md"]
        == "https://messy.example.gov.uk/network/news/2025/summer-fair.html"
    )
    assert counts(web.sessions) == (0, 0, 21)
