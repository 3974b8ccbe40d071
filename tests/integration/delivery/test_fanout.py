"""Fan-out on both databases: exactly the consenting, unsuppressed immediate subscribers, once each."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Message, Suppression
from notifier.db.session import unit_of_work
from notifier.domain.statuses import (
    ConsentSource,
    Frequency,
    MessageStatus,
    SubscriberStatus,
    SubscriptionEndReason,
    SuppressionReason,
)
from notifier.services.delivery.fanout import chunk_ranges, fan_out_next_batch
from notifier.services.sources.publishing import ContentItem, publish_content
from notifier.services.subscribers.subscriptions import unsubscribe
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber


def _drain(sessions: sessionmaker[Session], queue: RecordingQueue, batch_size: int = 1000) -> None:
    while queue.fanouts:
        fan_out_next_batch(sessions, queue, queue.fanouts.pop(0), batch_size=batch_size, chunk_size=4)


def test_fan_out_reaches_exactly_the_consenting_subscribers(sessions: sessionmaker[Session]) -> None:
    queue = RecordingQueue()
    with unit_of_work(sessions) as uow:
        s = uow.session
        network, (news, events) = network_with_topics(s, "alpha", ["news", "events"])
        other, (other_news,) = network_with_topics(s, "beta", ["news"])
        wanted = {subscriber(s, network, f"yes{i}@dept.gov.uk", [news]).id for i in range(5)}
        both = subscriber(s, network, "both@dept.gov.uk", [news, events])
        wanted.add(both.id)
        subscriber(s, network, "events-only@dept.gov.uk", [events])
        subscriber(s, network, "daily@dept.gov.uk", [news], Frequency.DAILY)
        gone = subscriber(s, network, "gone@dept.gov.uk", [news])
        unsubscribe(
            s,
            network,
            gone,
            topic_id=None,
            source=ConsentSource.FORM,
            reason=SubscriptionEndReason.UNSUBSCRIBED,
            now=utcnow(),
        )
        pending = subscriber(s, network, "pending@dept.gov.uk", [news])
        pending.status = SubscriberStatus.PENDING
        bounced = subscriber(s, network, "bounced@dept.gov.uk", [news])
        s.add(
            Suppression(
                network_id=network.id,
                email_hash=bounced.email_hash,
                reason=SuppressionReason.PERMANENT_FAILURE,
            )
        )
        subscriber(s, other, "yes0@dept.gov.uk", [other_news])  # same address, another network
        network.settings = {**network.settings, "routing": {"default": ["news", "events"]}}
        item = ContentItem(url="https://alpha.example.gov.uk/post/", title="Post", revision="1")
        published = publish_content(uow, queue, network, item)
    assert len(published.message_ids) == 2  # one message per routed topic
    _drain(sessions, queue, batch_size=3)
    with unit_of_work(sessions) as uow:
        rows = uow.session.execute(select(Delivery.subscriber_id, Delivery.message_id)).all()
        statuses = set(uow.session.scalars(select(Message.status)))
    recipients = [subscriber_id for subscriber_id, _ in rows]
    events_only = len(recipients) - len(wanted)
    assert sorted(recipients) == sorted(set(recipients)), "someone got the event twice"
    assert wanted <= set(recipients)
    assert events_only == 1  # the events-only subscriber, through the events topic
    assert statuses == {MessageStatus.SENDING}
    sent_ranges = [(first, last) for _, first, last, _ in queue.sends if first]
    covered = {i for first, last in sent_ranges for i in range(first, last + 1)}
    with unit_of_work(sessions) as uow:
        assert set(uow.session.scalars(select(Delivery.id))) <= covered


def test_publishing_the_same_revision_twice_sends_nothing_more(sessions: sessionmaker[Session]) -> None:
    queue = RecordingQueue()
    item = ContentItem(url="https://alpha.example.gov.uk/post/", title="Post", revision="7")
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        subscriber(uow.session, network, "a@dept.gov.uk", [news])
        first = publish_content(uow, queue, network, item)
    with unit_of_work(sessions) as uow:
        network_again = uow.session.get_one(type(network), network.id)
        second = publish_content(uow, queue, network_again, item)
    assert not first.duplicate and second.duplicate and second.event_id == first.event_id
    assert queue.fanouts == first.message_ids


def test_chunk_ranges_cover_without_overlap() -> None:
    assert chunk_ranges(5, 14, 4) == [(5, 8), (9, 12), (13, 14)]
    assert chunk_ranges(3, 3, 100) == [(3, 3)]
