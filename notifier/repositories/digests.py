"""Digest queries: who gets a period's digest (one INSERT ... SELECT) and what each reader's lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.models import DigestRun, Event, Message, Subscription
from notifier.domain.statuses import Frequency
from notifier.repositories.deliveries import insert_queued

CONTENT_KIND = "content"


def get_run(
    session: Session, network_id: int, frequency: Frequency, period_start: datetime
) -> DigestRun | None:
    return session.scalars(
        select(DigestRun).where(
            DigestRun.network_id == network_id,
            DigestRun.frequency == frequency,
            DigestRun.period_start == period_start,
        )
    ).one_or_none()


def _period(message: Message) -> tuple[Frequency, datetime, datetime]:
    context = message.context
    return (
        Frequency(context["period"]),
        datetime.fromisoformat(context["start"]),
        datetime.fromisoformat(context["end"]),
    )


def _topics_with_content(network_id: int, start: datetime, end: datetime) -> Any:
    return select(Message.topic_id).where(
        Message.network_id == network_id,
        Message.email_kind == CONTENT_KIND,
        Message.created_at >= start,
        Message.created_at < end,
    )


def insert_recipients(session: Session, message: Message, now: datetime) -> int:
    """One delivery per active, unsuppressed subscriber with this frequency on a topic that had content."""
    frequency, start, end = _period(message)
    return insert_queued(
        session,
        message,
        Subscription.subscriber_id,
        Subscription.network_id == message.network_id,
        Subscription.frequency == frequency,
        Subscription.ended_at.is_(None),
        Subscription.topic_id.in_(_topics_with_content(message.network_id, start, end)),
        now=now,
        distinct=True,  # one email however many of the reader's topics had content
    )


def items_for(session: Session, message: Message, subscriber_id: int) -> list[dict[str, Any]]:
    """The period's content on the reader's topics of this frequency: each page once, newest version."""
    frequency, start, end = _period(message)
    their_topics = select(Subscription.topic_id).where(
        Subscription.subscriber_id == subscriber_id,
        Subscription.frequency == frequency,
        Subscription.ended_at.is_(None),
    )
    event_ids = select(Message.event_id).where(
        Message.network_id == message.network_id,
        Message.email_kind == CONTENT_KIND,
        Message.created_at >= start,
        Message.created_at < end,
        Message.topic_id.in_(their_topics),
    )
    events = session.scalars(select(Event).where(Event.id.in_(event_ids)).order_by(Event.id))
    by_url: dict[str, dict[str, Any]] = {}
    for event in events:
        payload = event.payload
        by_url.pop(payload["url"], None)  # a later revision replaces the earlier one, in its place
        by_url[payload["url"]] = {
            "title": payload["title"],
            "url": payload["url"],
            "excerpt": payload.get("excerpt") or None,
        }
    return list(by_url.values())
