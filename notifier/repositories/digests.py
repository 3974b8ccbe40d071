"""Digest queries: who gets a period's digest (one INSERT ... SELECT) and what each reader's lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.models import DigestRun, Event, Message, Subscription
from notifier.domain.sources import DIGEST_EMAIL_KINDS
from notifier.domain.statuses import Frequency
from notifier.repositories.deliveries import insert_queued

CONTENT_KIND = "content"
EXCERPT_CHARACTERS = 300


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
        Message.email_kind.in_(DIGEST_EMAIL_KINDS),
        Message.created_at >= start,
        Message.created_at < end,
    )


def insert_recipients(session: Session, message: Message, now: datetime) -> int:
    """One delivery per active, unsuppressed subscriber with this frequency on a topic that had
    content, an announcement, a meeting or minutes in the period."""
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
    """The period's pages, announcements, meetings and minutes on the reader's topics of this
    frequency, in order: each page once (its newest version), each other event once."""
    frequency, start, end = _period(message)
    their_topics = select(Subscription.topic_id).where(
        Subscription.subscriber_id == subscriber_id,
        Subscription.frequency == frequency,
        Subscription.ended_at.is_(None),
    )
    listed = select(Message.event_id, Message.email_kind).where(
        Message.network_id == message.network_id,
        Message.email_kind.in_(DIGEST_EMAIL_KINDS),
        Message.created_at >= start,
        Message.created_at < end,
        Message.topic_id.in_(their_topics),
    )
    kinds = dict(session.execute(listed).tuples().all())
    events = session.scalars(select(Event).where(Event.id.in_(list(kinds))).order_by(Event.id))
    items: dict[str, dict[str, Any]] = {}
    for event in events:
        key, item = _item(kinds[event.id], event)
        items.pop(key, None)  # a later revision of a page replaces the earlier one, in its place
        items[key] = item
    return list(items.values())


def _item(kind: str, event: Event) -> tuple[str, dict[str, Any]]:
    payload = event.payload
    if kind == CONTENT_KIND:
        excerpt = payload.get("excerpt") or None
        return payload["url"], {"title": payload["title"], "url": payload["url"], "excerpt": excerpt}
    if kind == "announcement":
        body = " ".join(str(payload["body"]).split())
        if len(body) > EXCERPT_CHARACTERS:
            body = body[: EXCERPT_CHARACTERS - 3].rsplit(" ", 1)[0] + "..."
        return f"event:{event.id}", {
            "title": f"Announcement: {payload['subject']}",
            "url": None,
            "excerpt": body,
        }
    if kind == "minutes":
        url = payload.get("minutes_url") or payload.get("meeting_url")
        return f"event:{event.id}", {
            "title": f"Minutes: {payload['meeting_title']}",
            "url": url,
            "excerpt": None,
        }
    return f"event:{event.id}", {
        "title": f"Meeting: {payload['title']}",
        "url": payload.get("meeting_url"),
        "excerpt": None,
    }
