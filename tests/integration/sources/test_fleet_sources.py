"""Every event source on a real fleet (PostgreSQL + Redis + web + worker + beat + the sandbox), with
the emails read back from the sandbox's outbox: Jekyll pages through `notifier hook post` (the site's
signed hook: no sign-off), a meeting with its reminder, update, minutes and cancellation, answers to a
meeting with two places through the emailed links (test_fleet_answers.py), and an announcement, each
waiting on this sign-off network until a second person approves it in the web admin (signed in
through the link the sandbox delivered), and daily and weekly digests (time-machine moves this
process's clock; the fleet sends them)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import string
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.models import Network, Topic
from notifier.db.session import make_engine, unit_of_work
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import Frequency
from notifier.services.admin import admin_tokens
from notifier.services.admin.invitations import invite_admin
from notifier.services.sources.digests import latest_period, run_digest
from notifier.services.sources.publishing import ContentItem, announce, publish_content
from tests.support.clock import MARCH, next_clock_change
from tests.support.databases import PostgresDatabases, flushed_redis_url
from tests.support.fakes import RecordingQueue
from tests.support.fleet import (
    FLEET_SECRET_KEY,
    Fleet,
    fleet_env,
    free_port,
    running_fleet,
    wait_until_finished,
)
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.seeding import network_with_topics, subscriber
from tests.support.settings import make_settings
from workers.dispatch import build_task_queue
from workers.task_names import TaskName

pytestmark = pytest.mark.dates

SITE = "https://alpha.example.gov.uk"
JEKYLL = Path(__file__).parent / "jekyll_site"
LONDON = ZoneInfo("Europe/London")
ANN, BEN, IAN = "ann@dept.gov.uk", "ben@dept.gov.uk", "ian@dept.gov.uk"  # immediate subscribers
DORA, WES = "dora@dept.gov.uk", "wes@dept.gov.uk"  # daily and weekly
ADA = "ada.admin@cabinetoffice.gov.uk"  # the network's admin in the web admin
CHAIR = "chair@dept.gov.uk"  # an admin, who made the editor's token
APPROVAL_SUBJECT = "Waiting for your approval: "
SIGN_IN = re.compile(r"https?://\S+?(/admin/sign-in/[\w.\-]+)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class World:
    fleet: Fleet
    sandbox: RunningSandbox
    sessions: sessionmaker[Session]
    settings: Settings
    secret: str
    editor: dict[str, str]  # an editor token, made by the chair

    def approver(self) -> httpx.Client:
        """Ben, an approver, signed in to the web admin through the emailed link (once per test)."""
        return signed_in(self, BEN)

    def outbox(self, subject: str) -> dict[str, list[dict[str, Any]]]:
        """Emails whose subject contains `subject`, by recipient (not the approvers' own emails)."""
        found: dict[str, list[dict[str, Any]]] = {}
        for entry in self.sandbox.outbox(limit=1000):
            if subject in entry["subject"] and not entry["subject"].startswith(APPROVAL_SUBJECT):
                found.setdefault(entry["to"], []).append(entry)
        return found

    def settled(self) -> None:
        """Until every message is done or cancelled: the fleet has nothing more to send."""
        wait_until_finished(self.sessions, self.fleet)

    def idle_after_event_sources(self) -> None:
        """Beat's event sources have run twice since now (so once from start to end at least) and every
        message is finished: whatever they were going to send is in the outbox."""
        self.fleet.wait_for_task_runs(TaskName.EVENT_SOURCES.value, 2)
        self.settled()

    def wait_for(self, subject: str, recipients: set[str], timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.outbox(subject)
            if set(found) >= recipients:
                self.settled()  # every message done: nothing more is on its way, so "exactly" is exact
                found = self.outbox(subject)
                assert set(found) == recipients, (subject, sorted(found))
                assert all(len(v) == 1 for v in found.values()), (
                    subject,
                    {k: len(v) for k, v in found.items()},
                )
                return {to: entries[0] for to, entries in found.items()}
            assert time.monotonic() < deadline, f"{subject!r}: only {sorted(found)}\n{self.fleet.logs()}"
            time.sleep(0.3)


def _seed(sessions: sessionmaker[Session]) -> tuple[str, dict[str, str]]:
    with unit_of_work(sessions) as uow:
        s = uow.session
        network, (news, events, minutes) = network_with_topics(s, "alpha", ("news", "events", "minutes"))
        network.requires_sign_off = True
        network.settings = {
            **network.settings,
            "routing": {
                "collections": {"events": ["events"], "minutes": ["minutes"]},
                "tags": {"news": ["news"]},
            },
        }
        # Hashed with the fleet's key: the web admin finds Ben, a subscriber and an approver, by it.
        key = FLEET_SECRET_KEY
        subscriber(s, network, ANN, [news, events, minutes], hash_key=key)
        subscriber(s, network, BEN, [events], hash_key=key)
        subscriber(s, network, IAN, [minutes], hash_key=key)
        subscriber(s, network, DORA, [news, events], Frequency.DAILY, hash_key=key)
        subscriber(s, network, WES, [news], Frequency.WEEKLY, hash_key=key)

        invite_admin(
            s, network, email=ADA, name="Ada Admin", role=AdminRole.ADMIN, invited_by="cli",
            hash_key=FLEET_SECRET_KEY, now=utcnow(),
        )  # fmt: skip
        chair = invite_admin(s, network, email=CHAIR, name="Chair", role=AdminRole.ADMIN, invited_by="cli",
                             hash_key=FLEET_SECRET_KEY, now=utcnow())  # fmt: skip
        invite_admin(s, network, email=BEN, name="Ben", role=AdminRole.APPROVER, invited_by="cli",
                     hash_key=FLEET_SECRET_KEY, now=utcnow())  # fmt: skip
        issued = admin_tokens.issue_token(
            s, network, role=AdminRole.EDITOR, label="site build", holder_email=ANN, created_by=chair
        )
        return network.webhook_secret, {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture(scope="module")
def world(postgres: PostgresDatabases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    var_dir = tmp_path_factory.mktemp("sources-fleet")
    database_url = postgres.create()
    redis_url = flushed_redis_url()
    engine = make_engine(database_url, pool_size=2)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    secret, editor = _seed(sessions)
    web_port, token = free_port(), secrets.token_urlsafe(16)
    callback = ["--callback-url", f"http://127.0.0.1:{web_port}/notify/receipts", "--callback-token", token]
    with start_sandbox(*callback, "--rate-limit", "100000") as sandbox:
        env = fleet_env(
            database_url=database_url,
            broker_url=redis_url,
            redis_url=redis_url,
            var_dir=var_dir,
            sandbox_env=sandbox.env,
            web_port=web_port,
            callback_token=token,
            extra={"NOTIFIER_EVENT_SOURCES_INTERVAL_SECONDS": "1"},
        )
        settings = make_settings(
            **{k.removeprefix("NOTIFIER_").lower(): v for k, v in env.items() if k.startswith("NOTIFIER_")}
        )
        with running_fleet(env, var_dir / "logs", web_port) as fleet:
            yield World(fleet, sandbox, sessions, settings, secret, editor)
    engine.dispose()
    postgres.drop(database_url)


def signed_in(world: World, email: str) -> httpx.Client:
    """A browser without JavaScript: asks for a link at /admin, follows the one the sandbox delivered."""
    client = httpx.Client(base_url=world.fleet.web_url, timeout=10, follow_redirects=False)
    seen = _sign_in_links(world, email)
    form = client.get("/admin")
    asked = client.post("/admin", data={"email": email, "csrf_token": _csrf(form.text)})
    assert asked.status_code == 303, asked.text
    deadline = time.monotonic() + 30
    while not (fresh := _sign_in_links(world, email) - seen):
        assert time.monotonic() < deadline, world.fleet.logs()
        time.sleep(0.2)
    (link,) = fresh
    page = client.get(link)
    used = client.post(link, data={"csrf_token": _csrf(page.text)})
    assert used.status_code == 303, used.text
    # The session cookie is Secure; this fleet serves plain http on 127.0.0.1, as a browser allows.
    client.cookies.set("notifier_admin", used.cookies["notifier_admin"], path="/admin")
    return client


def _sign_in_links(world: World, email: str) -> set[str]:
    return {m.group(1) for e in world.sandbox.outbox(to=email) if (m := SIGN_IN.search(str(e["body"])))}


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, html
    return found.group(1)


def approve(client: httpx.Client, path: str) -> None:
    """Approve on the check page, as the approver would (path: the page, under /admin/alpha)."""
    page = client.get(path)
    assert page.status_code == 200 and "Approve" in page.text, page.text
    done = client.post(f"{path}/approve", data={"csrf_token": _csrf(page.text)})
    assert done.status_code == 303, done.text


def nothing_sent(world: World, subject: str) -> None:
    world.idle_after_event_sources()  # had anything gone, the sandbox would have it by now
    assert world.outbox(subject) == {}


def readable(entry: dict[str, Any]) -> str:
    text = str(entry["text"])
    for leaked in ("<!--", "{%", "{{", "{:", "**", "<div", "\\."):
        assert leaked not in text, (leaked, text)
    return text.replace("\u2019", "'")  # the outbox shows typographic apostrophes, as Notify does


def _site_for_today(into: Path) -> tuple[Path, date, date]:
    """The fixture site with its event on a Thursday three to four weeks from today (London) and
    registration closing a week before: its `*.in` templates are filled in now, so it never goes stale."""
    today = datetime.now(LONDON).date()
    event_day = today + timedelta(days=21 + (3 - today.weekday()) % 7)
    deadline_day = event_day - timedelta(days=7)
    site = into / "jekyll_site"
    shutil.copytree(JEKYLL, site)
    for template in site.rglob("*.in"):
        text = string.Template(template.read_text(encoding="utf-8"))
        days = {"event_day": event_day.isoformat(), "deadline_day": deadline_day.isoformat()}
        template.with_suffix("").write_text(text.substitute(days), encoding="utf-8")
        template.unlink()
    return site, event_day, deadline_day


def _long_date(day: date) -> str:
    """A day as the emails print it: "Thursday 10 December 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def test_jekyll_pages_through_notifier_hook_post_become_readable_email(world: World, tmp_path: Path) -> None:
    site, event_day, deadline_day = _site_for_today(tmp_path)
    files = sorted(str(p) for p in site.rglob("*.md"))
    command = [sys.executable, "-m", "notifier", "hook", "post", *files, "--site", SITE, "--network", "alpha"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFIER_")}
    env |= {"NOTIFIER_HOOK_ENDPOINT": world.fleet.web_url, "NOTIFIER_HOOK_SECRET": world.secret}
    dry = subprocess.run(
        [*command, "--dry-run"], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    assert "/news/2026/11/20/network-forum-what-we-heard.html" in dry.stdout and "ignored" in dry.stdout
    assert world.outbox("forum") == {}
    sent = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=60)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.count("queued") == 3 and sent.stdout.count("ignored") == 1
    news = world.wait_for("Network forum: what we heard", {ANN})
    social = world.wait_for("Winter social & networking evening", {ANN, BEN})
    minutes = world.wait_for("Steering group minutes, November 2026", {ANN, IAN})
    text = readable(news[ANN])
    assert "Over 120 members joined November's forum to talk about flexible working" in text, text
    assert "Photos to follow" not in text and "By Priya Shah" in text
    text = readable(social[BEN])
    assert f"{_long_date(event_day)}, 5:30pm to 8pm" in text and "2 Marsham Street" in text
    assert f"Register by: {_long_date(deadline_day)} at 11:59pm" in text
    assert "socials@alpha.example.gov.uk" in text
    assert "Decisions: the budget for 2027, and a new co-chair." in readable(minutes[IAN])
    again = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=60)
    assert again.stdout.count("duplicate") == 3


def _calendar(world: World, url: str) -> Any:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    return event


def _own_calendar(entry: dict[str, Any]) -> dict[str, Any]:
    """The reader's own calendar file, from the link in the email the outbox holds."""
    found = re.search(r"https?://\S+/calendar\.ics\?attendee=[\w.\-]+", str(entry["text"]))
    assert found is not None, entry["text"]
    response = httpx.get(found.group(0), timeout=10)
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    method = str(calendar["METHOD"])
    assert response.headers["content-type"].endswith(f"method={method}")
    (event,) = calendar.walk("VEVENT")
    return {"method": method, "event": event}


def test_a_meeting_invitation_reminder_update_minutes_and_cancellation(world: World) -> None:
    api = f"{world.fleet.web_url}/admin/api/networks/alpha"
    # Sums in UTC, sent as London times with their offsets: on the night the clocks go back, London
    # wall-clock sums (Python's aware arithmetic) and wall times without offsets can land an hour early.
    start = (datetime.now(UTC) + timedelta(minutes=40)).replace(second=0, microsecond=0)
    meeting = {
        "title": "Leaders of Networks",
        "start": start.astimezone(LONDON).isoformat(),
        "end": (start + timedelta(hours=1)).astimezone(LONDON).isoformat(),
        "location": "Room 4, 10 South Colonnade",
        "online_url": "https://teams.example.com/l/meetup-join/abc",
        "agenda": "1. Welcome\n2. The 2027 budget",
        "topics": ["events"],
        "invitees": [IAN],
        "reminder_minutes": 60,  # due before the invitation goes: within its hour, so none is sent
    }
    past = datetime.now(UTC) - timedelta(days=1)
    spring = next_clock_change(MARCH, after=datetime.now(LONDON).date())  # 01:30 is skipped that night
    refused = [
        ("start", f"{spring}T01:30:00", f"{spring}T02:30:00", "does not exist in London"),
        ("end", meeting["start"], meeting["start"], "must be after the start"),
        (
            "start",
            past.astimezone(LONDON).isoformat(),
            (past + timedelta(hours=1)).astimezone(LONDON).isoformat(),
            "is in the past",
        ),
    ]
    for field, begins, ends, why in refused:
        body = {**meeting, "start": begins, "end": ends}
        answer = httpx.post(f"{api}/meetings", json=body, headers=world.editor, timeout=10)
        assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == field, answer.text
        assert why in answer.text
    created = httpx.post(f"{api}/meetings", json=meeting, headers=world.editor, timeout=10)
    assert created.status_code == 201, created.text
    assert created.json()["sign_off"] == "awaiting" and created.json()["status"] == "awaiting_approval"
    nothing_sent(world, "Invitation: Leaders of Networks")
    nothing_sent(world, "Reminder: Leaders of Networks")
    ben = world.approver()
    approve(ben, f"/admin/alpha/approvals/{created.json()['approval_request_id']}")
    invitation = world.wait_for("Invitation: Leaders of Networks", {ANN, BEN, IAN, DORA})
    # No reminder within an hour of the email that gave the time (reminder_due_at): beat, running
    # every second, skips it (test_clock_change_nights sends reminders under a moved clock).
    nothing_sent(world, "Reminder: Leaders of Networks")
    text = readable(invitation[IAN])
    assert "Alpha Network invited you to this meeting" in text and "subscribed to" not in text
    assert "because you subscribed to Events from Alpha Network" in readable(invitation[BEN])
    calendar_url = created.json()["calendar_url"]
    assert "Room 4, 10 South Colonnade" in text and "teams.example.com" not in text
    join = re.search(r"https?://\S+/join", text)
    assert (
        join is not None
        and "teams.example.com/l/meetup-join/abc" in httpx.get(join.group(0), timeout=10).text
    )
    first = _calendar(world, calendar_url)
    for person in (IAN, BEN):  # an invitee and a topic's subscriber: each gets a file naming them
        own = _own_calendar(invitation[person])
        assert own["method"] == "REQUEST" and str(own["event"]["ATTENDEE"]) == f"mailto:{person}"
        assert str(own["event"]["ORGANIZER"]).startswith("mailto:") and "/join" in str(own["event"])
    changed = {"location": "Room 6, 10 South Colonnade"}  # PATCH: only what is sent changes
    path = f"{api}/meetings/{created.json()['id']}"
    patched = httpx.patch(path, json=changed, headers=world.editor, timeout=10)
    assert patched.status_code == 200 and patched.json()["sign_off"] == "awaiting"  # new words: they wait
    nothing_sent(world, "Changed: Leaders of Networks")
    approve(ben, f"/admin/alpha/approvals/{patched.json()['approval_request_id']}")
    update = world.wait_for("Changed: Leaders of Networks", {ANN, BEN, IAN, DORA})
    text = readable(update[ANN])
    assert "Location: now Room 6, 10 South Colonnade." in text and "Online joining link" not in text
    assert "Agenda:" not in text and "The 2027 budget" in text  # the agenda is kept, not deleted
    second = _calendar(world, calendar_url)
    minutes = {"minutes_body": "The 2027 budget was agreed.", "minutes_url": f"{SITE}/minutes/lon-2026/"}
    early = httpx.post(f"{path}/minutes", json=minutes, headers=world.editor, timeout=10)
    assert early.status_code == 409 and "has not ended yet" in early.text  # not held yet
    note = {"note": "Clashes with the spending review."}  # words of the editor's own: they wait too
    asked = httpx.post(f"{path}/cancel", json=note, headers=world.editor, timeout=10)
    assert asked.status_code == 200 and asked.json()["status"] == "scheduled"
    approve(ben, f"/admin/alpha/approvals/{asked.json()['approval_request_id']}")
    cancelled = world.wait_for("Cancelled: Leaders of Networks", {ANN, BEN, IAN, DORA})
    assert "Clashes with the spending review." in readable(cancelled[ANN])
    third = _calendar(world, calendar_url)
    withdrawn = _own_calendar(cancelled[IAN])
    assert withdrawn["method"] == "CANCEL" and str(withdrawn["event"]["ATTENDEE"]) == f"mailto:{IAN}"
    assert "/join" not in str(withdrawn["event"]) and int(withdrawn["event"]["SEQUENCE"]) == 2
    assert [int(e["SEQUENCE"]) for e in (first, second, third)] == [0, 1, 2]
    assert len({str(e["UID"]) for e in (first, second, third)}) == 1 and str(third["STATUS"]) == "CANCELLED"
    # Cancelled before its minutes (a meeting whose minutes are out was held and cannot be cancelled);
    # it went ahead after all: minutes of a cancelled meeting go only with the override, audited.
    minutes |= {"held_override": True}
    asked = httpx.post(f"{path}/minutes", json=minutes, headers=world.editor, timeout=10)
    assert asked.status_code == 201 and asked.json()["minutes_event_id"] is None
    nothing_sent(world, "Minutes: Leaders of Networks")
    approve(ben, f"/admin/alpha/approvals/{asked.json()['approval_request_id']}")
    sent = world.wait_for("Minutes: Leaders of Networks", {ANN, BEN, IAN})
    page = httpx.get(created.json()["page_url"], timeout=10).text
    assert "Minutes" in page and "The 2027 budget was agreed." in page
    text = readable(sent[BEN])
    assert "The 2027 budget was agreed" in text and "Read more about this meeting" in text


def test_an_announcement_goes_out_after_a_second_person_approves_it(world: World) -> None:
    api = f"{world.fleet.web_url}/admin/api/networks/alpha/announcements"
    body = {
        "topic": "news",
        "subject": "AGM: vote for your co-chair",
        "body": "Voting opens on Monday.\n\nOne vote each.",
    }
    draft = httpx.post(api, json=body, headers=world.editor, timeout=10).json()
    path = f"{api}/{draft['id']}"
    assert httpx.post(f"{path}/test-send", headers=world.editor, timeout=10).status_code == 202
    trial = world.wait_for("[Test] AGM: vote for your co-chair", {ANN})[ANN]
    assert "List-Unsubscribe" not in trial["headers"] and trial["one_click_unsubscribe_url"] is None
    assert "/unsubscribe/" not in trial["text"] and "This is a test sent only to you" in readable(trial)
    assert (
        httpx.post(f"{path}/submit", json={}, headers=world.editor, timeout=10).json()["status"]
        == "awaiting_approval"
    )
    assert httpx.post(f"{path}/approve", headers=world.editor, timeout=10).status_code == 403  # a token
    world.idle_after_event_sources()
    assert world.outbox("AGM: vote for your co-chair").keys() == {ANN}  # only the test send so far
    approve(world.approver(), f"/admin/alpha/announcements/{draft['id']}")
    deadline = time.monotonic() + 60
    while len(world.outbox("AGM: vote for your co-chair").get(ANN, [])) < 2:
        assert time.monotonic() < deadline, world.fleet.logs()
        time.sleep(0.3)
    while not {DORA, WES} <= world.outbox("AGM: vote for your co-chair").keys():  # daily, weekly: at once
        assert time.monotonic() < deadline, world.fleet.logs()
        time.sleep(0.3)
    real = [e for e in world.outbox("AGM: vote for your co-chair")[ANN] if "[Test]" not in e["subject"]]
    assert (
        len(real) == 1 and "One vote each." in readable(real[0]) and "unsubscribe" in real[0]["text"].lower()
    )


def test_notifier_announce_on_a_sign_off_network_waits_for_an_approver(world: World, tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_text("The steering group meets on Tuesday.\n", encoding="utf-8")
    subject = "From the terminal: steering group"
    command = [sys.executable, "-m", "notifier", "announce", "--network", "alpha", "--topic", "news"]
    command += ["--as", CHAIR]
    command += ["--subject", subject, "--body-file", str(body)]
    env = world.fleet.env
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "awaiting approval" in done.stdout, done.stdout
    found = re.search(r"announcement (\d+) is awaiting approval", done.stdout)
    assert found is not None
    world.idle_after_event_sources()  # beat runs the event sources every second: they must not start it
    assert world.outbox(subject) == {}
    api = f"{world.fleet.web_url}/admin/api/networks/alpha/announcements/{found.group(1)}"
    assert httpx.get(api, headers=world.editor, timeout=10).json()["status"] == "awaiting_approval"
    assert httpx.post(f"{api}/approve", headers=world.editor, timeout=10).status_code == 403
    approve(world.approver(), f"/admin/alpha/announcements/{found.group(1)}")
    sent = world.wait_for(subject, {ANN, DORA, WES})  # at once, whatever their digest frequency
    assert "The steering group meets on Tuesday." in readable(sent[ANN])


def _publish_at(world: World, when: datetime, items: list[ContentItem]) -> RecordingQueue:
    """Publish content as if at `when` (this process's clock only); the fleet then sends it."""
    recorded = RecordingQueue()
    with time_machine.travel(when, tick=False), unit_of_work(world.sessions) as uow:
        network = uow.session.query(Network).filter_by(slug="alpha").one()
        for item in items:
            publish_content(uow, recorded, network, item)
    return recorded


def _announce_at(world: World, when: datetime, subject: str, body: str) -> RecordingQueue:
    recorded = RecordingQueue()
    with time_machine.travel(when, tick=False), unit_of_work(world.sessions) as uow:
        network = uow.session.query(Network).filter_by(slug="alpha").one()
        news = uow.session.query(Topic).filter_by(network_id=network.id, slug="news").one()
        announce(uow, recorded, network, news, subject=subject, body=body)
    return recorded


def _replay(world: World, recorded: RecordingQueue) -> None:
    queue = build_task_queue(world.settings)
    for message_id in recorded.fanouts:
        queue.enqueue_fanout(message_id)
    for message_id, first, last, lane in recorded.sends:
        queue.enqueue_send(message_id, first, last, lane)


def _digest(world: World, frequency: Frequency, now: datetime) -> Callable[[], object]:
    recorded = RecordingQueue()
    with time_machine.travel(now, tick=False):
        period = latest_period(frequency, datetime.now(UTC))
        outcome = run_digest(world.sessions, recorded, _network_id(world), period, chunk_size=100)
    _replay(world, recorded)
    return lambda: outcome


def _network_id(world: World) -> int:
    with unit_of_work(world.sessions) as uow:
        return uow.session.query(Network).filter_by(slug="alpha").one().id


def _a_monday_to_come() -> datetime:
    """10:00 London on a Monday at least a week after today: after the world's subscriptions began
    (a digest lists only what came while the reader was subscribed), whatever day the test runs."""
    today = datetime.now(LONDON).date() + timedelta(days=7)
    return datetime.combine(
        today + timedelta(days=-today.weekday() % 7), datetime.min.time(), LONDON
    ).replace(hour=10)


def _london(moment: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    day = moment.date() + timedelta(days=days)
    return datetime.combine(day, datetime.min.time(), LONDON).replace(hour=hour, minute=minute)


def test_daily_and_weekly_digests_list_each_item_once_and_never_come_empty(world: World) -> None:
    monday = _a_monday_to_come()
    news = [
        ContentItem(
            url=f"{SITE}/news/{n}/",
            title=f"Digest news {n}",
            revision="1",
            tags=["news"],
            excerpt=f"Summary {n}.",
        )
        for n in (1, 2)
    ]
    event = ContentItem(
        url=f"{SITE}/events/picnic/",
        title="Digest picnic",
        revision="1",
        collection="events",
        tags=["events"],
    )
    _replay(world, _publish_at(world, monday, [*news, event]))
    _replay(world, _announce_at(world, monday, "Digest AGM notice", "Vote on Friday."))
    _replay(
        world,
        _publish_at(
            world,
            monday + timedelta(hours=3),
            [ContentItem(url=f"{SITE}/news/1/", title="Digest news 1", revision="2", tags=["news"])],
        ),
    )  # a second revision
    world.wait_for("Digest picnic", {ANN, BEN})  # immediate subscribers had them at once; digests did not
    assert world.outbox("Your daily update") == {}

    first = _digest(world, Frequency.DAILY, _london(monday, 1, 8, 30))()
    assert first is not None
    daily = world.wait_for("Your daily update from Alpha Network", {DORA})
    text = readable(daily[DORA])
    assert [t for t in ("Digest news 1", "Digest news 2", "Digest picnic") if t in text] == [
        "Digest news 1",
        "Digest news 2",
        "Digest picnic",
    ]
    assert text.count("Digest news 1") == 1 and "/unsubscribe/" in text
    assert "Digest AGM notice" not in text  # sent at once: a digest never repeats it
    assert "You're getting this summary because you chose" in text
    assert _digest(world, Frequency.DAILY, _london(monday, 1, 9))() is None  # ran already
    quiet = _digest(world, Frequency.DAILY, _london(monday, 2, 8, 30))()
    assert getattr(quiet, "message_id", "missing") is None  # nothing that day: no email at all

    _digest(world, Frequency.WEEKLY, _london(monday, 7, 8, 30))
    weekly = world.wait_for("Your weekly update from Alpha Network", {WES})
    text = readable(weekly[WES])
    assert "Digest news 1" in text and "Digest news 2" in text and "Digest picnic" not in text
    assert "Digest AGM notice" not in text  # an announcement goes at once, never again in a digest
    world.settled()
    assert (
        world.outbox("Your daily update").keys() == {DORA}
        and len(world.outbox("Your daily update")[DORA]) == 1
    )
