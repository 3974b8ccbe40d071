"""Turning what happens in a network (site content, announcements) into events and messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from notifier.db.base import utcnow
from notifier.db.models import Event, Message, Network, Topic
from notifier.db.session import UnitOfWork
from notifier.domain.statuses import EventKind, Lane, MessageStatus
from notifier.repositories import messages as message_repo
from notifier.repositories import networks as network_repo
from notifier.services.archive.recording import record_event
from notifier.services.common.ports import TaskQueue
from notifier.services.sources.site_settings import routing_key


class PublishingError(ValueError):
    """The request cannot become email; the message says which field and why."""


@dataclass(frozen=True)
class ContentItem:
    """A page of the network's site as its publish hook describes it."""

    url: str
    title: str
    revision: str
    collection: str = "posts"
    excerpt: str = ""
    author: str = ""
    date: datetime | None = None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    layout: str = ""
    event: dict[str, str | bool | None] | None = None  # the event: block, datetimes as ISO text
    updated: bool = False  # a changed page whose front matter asked for an update email
    timezone: str = ""  # the site's zone: the email prints the page's dates in it
    warnings: list[dict[str, str]] = field(default_factory=list)  # fields left out: {field, message}

    @property
    def source_key(self) -> str:
        return f"content:{self.url}#{self.revision}"


@dataclass(frozen=True)
class Published:
    event_id: int
    message_ids: list[int]
    duplicate: bool


def route_topics(network: Network, topics: list[Topic], item: ContentItem) -> list[Topic]:
    """The topics a content item goes to, by the network's routing rules.

    Rules live in network.settings["routing"]: {"collections": {name: [topic slugs]}, "tags": {...},
    "categories": {...}, "default": [topic slugs]}; with no rule matching, the default topics.
    Categories and tags match as Jekyll slugs them, so a rule for `Staff News` catches `staff-news`.
    """
    rules = network.settings.get("routing", {})
    wanted: set[str] = set(rules.get("collections", {}).get(item.collection, []))
    for kind, names in (("tags", item.tags), ("categories", item.categories)):
        by_key: dict[str, list[str]] = {}
        for name, slugs in rules.get(kind, {}).items():
            by_key.setdefault(routing_key(name), []).extend(slugs)
        for name in names:
            wanted.update(by_key.get(routing_key(name), []))
    if not wanted:
        wanted = set(rules.get("default", [])) or {t.slug for t in topics if not t.members_only}
    return [t for t in topics if t.slug in wanted]


def content_payload(item: ContentItem) -> dict[str, object]:
    """What a content event and its messages store: the email's context."""
    payload = asdict(item)
    payload["date"] = item.date.isoformat() if item.date else None
    return payload


def publish_content(uow: UnitOfWork, queue: TaskQueue, network: Network, item: ContentItem) -> Published:
    """Store the item as an event and one message per routed topic; idempotent on URL and revision."""
    session = uow.session
    existing = message_repo.get_event_by_source_key(session, network.id, item.source_key)
    if existing is not None:
        return Published(existing.id, [], duplicate=True)
    topics = route_topics(network, network_repo.list_topics(session, network.id), item)
    payload = content_payload(item)
    event = Event(
        network_id=network.id,
        kind=EventKind.CONTENT,
        source_key=item.source_key,
        title=item.title,
        payload=payload,
    )
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:
        # A concurrent request stored the same item first: that one sends it.
        again = message_repo.get_event_by_source_key(session, network.id, item.source_key)
        if again is None:
            raise
        return Published(again.id, [], duplicate=True)
    messages = [
        _message_for(uow, queue, event, topic, email_kind="content", context=payload) for topic in topics
    ]
    if topics:
        record_event(session, network.id, event.id, "content", payload, [t.id for t in topics])
    return Published(event.id, [m.id for m in messages], duplicate=False)


def publish_page_again(
    uow: UnitOfWork, queue: TaskQueue, topics: Sequence[Topic], email: dict[str, object], *, source_key: str
) -> list[Message]:
    """A known page's email (as stored when the site listed it), sent on purpose to its topics: one event,
    one message per topic, each reader once."""
    title = str(email.get("title") or "")
    if not title:
        raise PublishingError("page: the page has no title to send")
    network_id = topics[0].network_id
    event = Event(
        network_id=network_id, kind=EventKind.CONTENT, source_key=source_key, title=title, payload=dict(email)
    )
    uow.session.add(event)
    uow.session.flush()
    record_event(uow.session, network_id, event.id, "content", event.payload, [t.id for t in topics])
    return [_message_for(uow, queue, event, t, email_kind="content", context=event.payload) for t in topics]


def announce(
    uow: UnitOfWork,
    queue: TaskQueue,
    network: Network,
    topic: Topic,
    *,
    subject: str,
    body: str,
    source_key: str | None = None,
) -> Message:
    """An admin's announcement to a topic's subscribers, queued for sending now."""
    key = source_key or f"announcement:{utcnow().isoformat()}:{topic.id}"
    return announce_to_topics(uow, queue, network, [topic], subject=subject, body=body, source_key=key)[0]


def announce_to_topics(
    uow: UnitOfWork,
    queue: TaskQueue,
    network: Network,
    topics: Sequence[Topic],
    *,
    subject: str,
    body: str,
    source_key: str,
) -> list[Message]:
    """An announcement to the subscribers of several topics: one event with one message per topic; a
    delivery is unique per event and person, so a reader of several of them gets it once."""
    if not subject.strip():
        raise PublishingError("subject: an announcement needs a subject")
    if not body.strip():
        raise PublishingError("body: an announcement needs a body")
    event = Event(
        network_id=network.id,
        kind=EventKind.ANNOUNCEMENT,
        source_key=source_key,
        title=subject.strip(),
        payload={"subject": subject.strip(), "body": body},
    )
    uow.session.add(event)
    uow.session.flush()
    record_event(uow.session, network.id, event.id, "announcement", event.payload, [t.id for t in topics])
    return [
        _message_for(uow, queue, event, t, email_kind="announcement", context=event.payload) for t in topics
    ]


def _message_for(
    uow: UnitOfWork,
    queue: TaskQueue,
    event: Event,
    topic: Topic,
    *,
    email_kind: str,
    context: dict[str, object],
) -> Message:
    message = Message(
        network_id=event.network_id,
        event_id=event.id,
        topic_id=topic.id,
        email_kind=email_kind,
        lane=Lane.BULK,
        status=MessageStatus.PENDING,
        context=context,
    )
    uow.session.add(message)
    uow.session.flush()
    message_id = message.id
    uow.after_commit(lambda: queue.enqueue_fanout(message_id))
    return message
