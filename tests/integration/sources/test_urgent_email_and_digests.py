"""Time-sensitive email reaches everyone who consented to its topic, whatever their digest frequency,
and no digest repeats it; site content and minutes wait for the digest; a digest's meeting section
shows each meeting once, as it stands now (moved, cancelled); the preferences page says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Delivery, Message, Network, Subscriber, Topic
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import Frequency
from notifier.services.common.actors import Actor
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.sources import meeting_changes
from notifier.services.sources.digests import latest_period, run_digest
from notifier.services.sources.meetings import Audience, MeetingDetails, SourceDeps
from notifier.services.sources.publishing import ContentItem, announce, publish_content
from tests.support.admin_api import web_settings
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber
from tests.support.webapp import web_app

pytestmark = pytest.mark.dates

LONDON = ZoneInfo("Europe/London")
SCRIPT = Actor("cli", AdminRole.ADMIN, person_id=None)  # on a network without sign-off: it sends at once
MONDAY = datetime(2030, 3, 4, 10, 0, tzinfo=LONDON)
NOW_, DAILY, WEEKLY = "now@dept.gov.uk", "daily@dept.gov.uk", "weekly@dept.gov.uk"


def _world(sessions: sessionmaker[Session]) -> int:
    with unit_of_work(sessions) as uow:
        network, (news, events) = network_with_topics(uow.session, "alpha", ("news", "events"))
        network.settings = {
            **network.settings,
            "routing": {"default": ["news"]},
        }  # site pages go to news only
        subscriber(uow.session, network, NOW_, [news, events])
        subscriber(uow.session, network, DAILY, [news, events], Frequency.DAILY)
        subscriber(uow.session, network, WEEKLY, [events], Frequency.WEEKLY)
        return network.id


def _recipients(sessions: sessionmaker[Session], queue: RecordingQueue) -> dict[str, set[str]]:
    """Fan every queued message out; who each kind of email reaches."""
    for message_id in queue.fanouts:
        fan_out_next_batch(sessions, queue, message_id, batch_size=100, chunk_size=100)
    queue.fanouts.clear()
    reached: dict[str, set[str]] = {}
    with unit_of_work(sessions) as uow:
        rows = uow.session.execute(
            select(Message.email_kind, Subscriber.email)
            .join(Delivery, Delivery.message_id == Message.id)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        )
        for kind, email in rows:
            reached.setdefault(kind, set()).add(email)
    return reached


def test_urgent_email_ignores_digest_frequency_and_digests_list_it(sessions: sessionmaker[Session]) -> None:
    network_id = _world(sessions)
    settings = web_settings()
    queue = RecordingQueue()
    deps = SourceDeps.from_settings(settings, queue)
    with time_machine.travel(MONDAY, tick=False), unit_of_work(sessions) as uow:
        network = uow.session.get_one(Network, network_id)
        news = uow.session.scalars(select(Topic).where(Topic.slug == "news")).one()
        announce(uow, queue, network, news, subject="AGM on Friday", body="Vote for the co-chair. " * 30)
        page = ContentItem(url="https://alpha.example.gov.uk/news/1/", title="A new page", revision="1")
        publish_content(uow, queue, network, page)
        start = (MONDAY + timedelta(days=3)).replace(tzinfo=None)
        details = MeetingDetails("Steering group", start, start + timedelta(hours=1), "Room 1")
        meeting = meeting_changes.create_meeting(
            uow, deps, network, details, Audience(topics=["events"]), actor=SCRIPT, reminder_minutes=60
        )
        meeting_changes.update_meeting(uow, deps, meeting, {"location": "Room 2"}, note="", actor=SCRIPT)
    with time_machine.travel(MONDAY + timedelta(days=4), tick=False), unit_of_work(sessions) as uow:
        meeting = uow.session.merge(meeting)
        meeting_changes.publish_minutes(
            uow, deps, uow.session.get_one(Network, network_id), meeting, url="", body="Agreed.", actor=SCRIPT
        )
    reached = _recipients(sessions, queue)
    assert reached["announcement"] == {NOW_, DAILY}  # news: every frequency, at once
    assert reached["meeting"] == reached["meeting_update"] == {NOW_, DAILY, WEEKLY}
    assert reached["content"] == {NOW_} and reached["minutes"] == {NOW_}  # these wait for the digest

    composer = TemplateComposer.from_settings(settings)
    digests = {}
    for frequency, when in (
        (Frequency.DAILY, MONDAY + timedelta(days=1)),
        (Frequency.WEEKLY, MONDAY + timedelta(days=7)),
    ):
        with time_machine.travel(when, tick=False):
            outcome = run_digest(
                sessions, queue, network_id, latest_period(frequency, datetime.now(UTC)), chunk_size=100
            )
        assert outcome is not None and outcome.message_id is not None
        with unit_of_work(sessions) as uow:
            message = uow.session.get_one(Message, outcome.message_id)
            for delivery in uow.session.scalars(select(Delivery).where(Delivery.message_id == message.id)):
                person = uow.session.get_one(Subscriber, delivery.subscriber_id)
                digests[person.email] = composer.compose(uow.session, message, person).body
    assert set(digests) == {DAILY, WEEKLY}
    daily = digests[DAILY].replace("\\", "")
    assert "AGM on Friday" not in daily  # sent at once: never repeated
    assert "A new page" in daily
    assert daily.count("Steering group") == 1  # the meeting section: once, not each change
    assert "* Steering group: Thursday 7 March 2030, 10am to 11am, Room 2" in daily  # as it stands now
    assert "Minutes" not in daily  # published on Friday: the next day's digest
    assert "You're getting this summary because you chose" in daily
    weekly = digests[WEEKLY].replace("\\", "")
    assert "Minutes: Steering group" in weekly
    assert "AGM on Friday" not in weekly and "A new page" not in weekly  # not their topics


def test_the_preferences_page_says_urgent_email_comes_at_once(sessions: sessionmaker[Session]) -> None:
    network_id = _world(sessions)
    web = web_app(sessions)
    with unit_of_work(sessions) as uow:
        person = uow.session.scalars(select(Subscriber).where(Subscriber.email == DAILY)).one()
        ref = SubscriberRef(network_id, person.id)
    page = web.client.get(
        LinkBuilder.from_settings(web.settings).manage_url(ref).removeprefix("http://testserver")
    )
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "announcements, are sent straight away whichever you choose" in text
    assert "A daily or weekly summary does not repeat them" in text
