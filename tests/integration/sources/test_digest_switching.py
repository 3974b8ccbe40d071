"""Each reader gets each item once, whatever frequency they move between and when, on both databases.

Two weeks on a controlled clock: a page every day at noon, and pages one second before, at and after
08:00 (the digests' boundary). One reader per (day of the week, from, to) switches frequency that
day, in every direction between immediate, daily and weekly; three readers never switch. Every email
each reader gets (sent at once, or listed in a digest as composed) is collected: every page is in
exactly one of them. Urgent email (an announcement) goes at once to everyone and no digest lists it.
A digest's meeting section shows each meeting once, as it stands now (moved, cancelled).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Delivery, Event, Meeting, Message, Network, Subscriber, Topic
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import ConsentSource, Frequency
from notifier.services.common.actors import Actor
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.sources import meeting_changes
from notifier.services.sources.digests import run_due_digests
from notifier.services.sources.meetings import Audience, MeetingDetails, SourceDeps
from notifier.services.sources.publishing import ContentItem, announce, publish_content
from notifier.services.subscribers.subscriptions import subscribe_to_topic
from tests.support.admin_api import web_settings
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber

pytestmark = pytest.mark.dates  # moves the clock (tests/conftest.py)

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2031, 6, 2, tzinfo=LONDON)  # a Monday; the run is on a frozen clock throughout
DAYS = 15
SECOND = timedelta(seconds=1)
PAGE_TITLE = re.compile(r"^## \[(Page [^\]]+)\]", re.MULTILINE)

SCRIPT = Actor("cli", AdminRole.ADMIN, person_id=None)  # on a network without sign-off: it sends at once


def _at(day: int, clock: time, shift: timedelta = timedelta(0)) -> datetime:
    return datetime.combine((MONDAY + timedelta(days=day)).date(), clock, LONDON) + shift


def _world(sessions: sessionmaker[Session]) -> tuple[int, dict[str, tuple[int, Frequency, Frequency]]]:
    """The network, and each reader's address -> (day they switch, from, to)."""
    readers: dict[str, tuple[int, Frequency, Frequency]] = {}
    with time_machine.travel(_at(-1, time(12)), tick=False), unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha", ("news",))
        for day, (old, new) in itertools.product(range(7), itertools.permutations(Frequency, 2)):
            email = f"d{day}-{old.value}-{new.value}@dept.gov.uk"
            subscriber(uow.session, network, email, [news], old)
            readers[email] = (day, old, new)
        for steady in Frequency:
            subscriber(uow.session, network, f"steady-{steady.value}@dept.gov.uk", [news], steady)
            readers[f"steady-{steady.value}@dept.gov.uk"] = (-1, steady, steady)
        return network.id, readers


def _fan_out(sessions: sessionmaker[Session], queue: RecordingQueue) -> None:
    while queue.fanouts:
        fan_out_next_batch(sessions, queue, queue.fanouts.pop(0), batch_size=500, chunk_size=500)


def _publish(sessions: sessionmaker[Session], queue: RecordingQueue, network_id: int, title: str) -> None:
    with unit_of_work(sessions) as uow:
        network = uow.session.get_one(Network, network_id)
        slug = title.lower().replace(" ", "-").replace(":", "")
        item = ContentItem(url=f"https://alpha.example.gov.uk/{slug}/", title=title, revision="1")
        publish_content(uow, queue, network, item)
    _fan_out(sessions, queue)


def _switch(sessions: sessionmaker[Session], network_id: int, email: str, frequency: Frequency) -> None:
    with unit_of_work(sessions) as uow:
        network = uow.session.get_one(Network, network_id)
        person = uow.session.scalars(select(Subscriber).where(Subscriber.email == email)).one()
        topic = uow.session.scalars(select(Topic).where(Topic.slug == "news")).one()
        subscribe_to_topic(
            uow.session,
            network,
            person,
            topic,
            frequency=frequency,
            source=ConsentSource.FORM,
            now=datetime.now(UTC),
        )


def _timeline(
    network_id: int, readers: dict[str, tuple[int, Frequency, Frequency]]
) -> list[tuple[datetime, str, str]]:
    """(when, what, detail), in time order: pages, switches, an announcement and the digests' runs."""
    steps: list[tuple[datetime, str, str]] = []
    for day in range(DAYS):
        steps.append((_at(day, time(8)), "digests", ""))
        if day < DAYS - 2:
            steps.append((_at(day, time(12)), "page", f"Page {day} noon"))
        if day in (2, 9):
            for name, shift in (("before", -SECOND), ("at", timedelta(0)), ("after", SECOND)):
                steps.append((_at(day, time(8), shift), "page", f"Page {day} {name} eight"))
    for email, (day, _old, new) in readers.items():
        if day >= 0:
            steps.append((_at(day, time(12, 30)), "switch", f"{email}|{new.value}"))
    steps.append((_at(3, time(15)), "announce", "Vote for the chair"))
    # Digests run at 08:00:00 before anything else that second: a page made at 08:00:00 is the next period's.
    order = {"digests": 0, "page": 1, "switch": 2, "announce": 3}
    return sorted(steps, key=lambda step: (step[0], order[step[1]]))


def _emails(sessions: sessionmaker[Session]) -> dict[str, Counter[str]]:
    """Every page each reader was sent: at once (a content delivery) or in a digest (as composed)."""
    composer = TemplateComposer.from_settings(web_settings())
    got: dict[str, Counter[str]] = {}
    with unit_of_work(sessions) as uow:
        rows = uow.session.execute(
            select(Subscriber, Message, Event.title)
            .join(Delivery, Delivery.subscriber_id == Subscriber.id)
            .join(Message, Message.id == Delivery.message_id)
            .outerjoin(Event, Event.id == Message.event_id)
        ).all()
        for person, message, title in rows:
            seen = got.setdefault(person.email, Counter())
            if message.email_kind == "content":
                seen[title] += 1
            elif message.email_kind == "announcement":
                seen[f"announcement: {title}"] += 1
            elif message.email_kind == "digest":
                body = composer.compose(uow.session, message, person).body.replace("\\", "")
                seen.update(PAGE_TITLE.findall(body))
                assert "Vote for the chair" not in body  # urgent: sent at once, never listed again
    return got


def test_every_reader_gets_every_page_once_whatever_they_switch_to_and_when(
    sessions: sessionmaker[Session],
) -> None:
    network_id, readers = _world(sessions)
    queue = RecordingQueue()
    pages = []
    for when, what, detail in _timeline(network_id, readers):
        with time_machine.travel(when, tick=False):
            if what == "digests":
                run_due_digests(sessions, queue, when.astimezone(UTC), chunk_size=500)
            elif what == "page":
                _publish(sessions, queue, network_id, detail)
                pages.append(detail)
            elif what == "switch":
                email, frequency = detail.split("|")
                _switch(sessions, network_id, email, Frequency(frequency))
            else:
                with unit_of_work(sessions) as uow:
                    network = uow.session.get_one(Network, network_id)
                    topic = uow.session.scalars(select(Topic).where(Topic.slug == "news")).one()
                    announce(uow, queue, network, topic, subject=detail, body="The vote is on Friday.")
                _fan_out(sessions, queue)
    got = _emails(sessions)
    expected = Counter({page: 1 for page in pages}) + Counter({"announcement: Vote for the chair": 1})
    assert set(got) == set(readers)
    wrong = {
        email: got[email] - expected or expected - got[email] for email in readers if got[email] != expected
    }
    assert wrong == {}, f"{len(wrong)} readers: {sorted(wrong.items())[:3]}"


def _digest_bodies(sessions: sessionmaker[Session], email: str) -> list[str]:
    composer = TemplateComposer.from_settings(web_settings())
    with unit_of_work(sessions) as uow:
        person = uow.session.scalars(select(Subscriber).where(Subscriber.email == email)).one()
        messages = uow.session.scalars(
            select(Message)
            .join(Delivery, Delivery.message_id == Message.id)
            .where(Delivery.subscriber_id == person.id, Message.email_kind == "digest")
            .order_by(Message.id)
        )
        return [composer.compose(uow.session, m, person).body.replace("\\", "") for m in messages]


def test_the_meeting_section_shows_each_meeting_once_as_it_stands_now(
    sessions: sessionmaker[Session],
) -> None:
    queue = RecordingQueue()
    deps = SourceDeps.from_settings(web_settings(), queue)
    with time_machine.travel(_at(0, time(9)), tick=False), unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha", ("news",))
        subscriber(uow.session, network, "daily@dept.gov.uk", [news], Frequency.DAILY)
        start = _at(6, time(18)).replace(tzinfo=None)
        details = MeetingDetails("Steering group", start, start + timedelta(hours=1), "Room 1")
        meeting = meeting_changes.create_meeting(
            uow, deps, network, details, Audience(topics=["news"]), actor=SCRIPT
        )
        network_id, meeting_id = network.id, meeting.id
    _fan_out(sessions, queue)
    steps = [
        (_at(0, time(12)), lambda: _publish(sessions, queue, network_id, "Page one")),
        (_at(1, time(8)), lambda: run_due_digests(sessions, queue, _at(1, time(8)), chunk_size=50)),
        (_at(1, time(9)), lambda: _change(sessions, deps, meeting_id, _at(6, time(17)))),
        (_at(1, time(12)), lambda: _publish(sessions, queue, network_id, "Page two")),
        (_at(2, time(8)), lambda: run_due_digests(sessions, queue, _at(2, time(8)), chunk_size=50)),
        (_at(2, time(9)), lambda: _change(sessions, deps, meeting_id, None)),
        (_at(3, time(8)), lambda: run_due_digests(sessions, queue, _at(3, time(8)), chunk_size=50)),
        (_at(3, time(12)), lambda: _publish(sessions, queue, network_id, "Page three")),
        (_at(4, time(8)), lambda: run_due_digests(sessions, queue, _at(4, time(8)), chunk_size=50)),
    ]
    sent: list[str] = []  # each digest as composed when it is sent
    for when, step in steps:
        with time_machine.travel(when, tick=False):
            step()
            _fan_out(sessions, queue)
            sent.extend(_digest_bodies(sessions, "daily@dept.gov.uk")[len(sent) :])
    first, second, third = sent
    assert "* Steering group: Sunday 8 June 2031, 6pm to 7pm, Room 1" in first
    assert first.count("Steering group") == 1
    assert "* Steering group (moved): Sunday 8 June 2031, 5pm to 7pm, Room 1" in second
    # Cancelled on day 2, when no page came: no digest that day; the next one with a page says so.
    assert "* Steering group (cancelled): Sunday 8 June 2031, 5pm to 7pm, Room 1" in third
    assert "Page three" in third and "Page two" not in third


def _change(
    sessions: sessionmaker[Session], deps: SourceDeps, meeting_id: int, start: datetime | None
) -> None:
    with unit_of_work(sessions) as uow:
        meeting = uow.session.get_one(Meeting, meeting_id)
        if start is None:
            meeting_changes.cancel_meeting(uow, deps, meeting, note="", actor=SCRIPT)
        else:
            meeting_changes.update_meeting(uow, deps, meeting, {"start": start}, note="", actor=SCRIPT)
