"""The topics an announcement goes to (several since migration 0024), and how many people that is.

`announcement.topic_id` is the first chosen topic; `announcement_topic` holds every one of them. The
send is one event with a message per topic, and a delivery is unique per event and person
(uq_delivery_event_id_subscriber_id), so a reader of several of the topics gets one email. The count
shown before submitting is fan-out's own query (repositories/deliveries.count_eligible), asked of the
messages the send would make.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from notifier.db.models import Announcement, AnnouncementTopic, Message, Network, Topic
from notifier.repositories import deliveries as delivery_repo
from notifier.repositories import networks as network_repo


class UnknownTopic(ValueError):
    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug


def topics_by_slug(session: Session, network: Network, slugs: Sequence[str]) -> list[Topic]:
    """The network's topics of these slugs, in the order given, each once; UnknownTopic for any other."""
    found: list[Topic] = []
    for slug in dict.fromkeys(s.strip() for s in slugs if s.strip()):
        topic = network_repo.get_topic_by_slug(session, network.id, slug)
        if topic is None:
            raise UnknownTopic(slug)
        found.append(topic)
    return found


def store_topics(session: Session, announcement: Announcement, topic_ids: Sequence[int]) -> None:
    """Replace the announcement's topics (the first one is also `announcement.topic_id`)."""
    session.execute(delete(AnnouncementTopic).where(AnnouncementTopic.announcement_id == announcement.id))
    session.add_all(
        AnnouncementTopic(network_id=announcement.network_id, announcement_id=announcement.id, topic_id=t)
        for t in topic_ids
    )
    session.flush()


def topic_ids_of(session: Session, announcement: Announcement) -> list[int]:
    """Every topic it goes to, the first chosen first (an unsaved draft: its one `topic_id`)."""
    stored = (
        list(
            session.scalars(
                select(AnnouncementTopic.topic_id).where(AnnouncementTopic.announcement_id == announcement.id)
            )
        )
        if announcement.id is not None
        else []
    )
    first = [announcement.topic_id] if announcement.topic_id is not None else []
    return first + [t for t in sorted(stored) if t not in first]


def topics_of(session: Session, announcement: Announcement) -> list[Topic]:
    topics = (
        network_repo.get_topic(session, announcement.network_id, t)
        for t in topic_ids_of(session, announcement)
    )
    return [t for t in topics if t is not None]


def email_kind_of(announcement: Announcement) -> str:
    """A known page sent on purpose is content; anything else an (urgent) announcement."""
    return "content" if announcement.content_page_id is not None else "announcement"


def people_reached(
    session: Session, announcement: Announcement, topic_ids: Sequence[int] | None = None
) -> int:
    """How many people the send would queue now, each once: fan-out's own query, for the messages the
    send would make (one per topic, none of them stored)."""
    ids = topic_ids_of(session, announcement) if topic_ids is None else topic_ids
    kind = email_kind_of(announcement)
    unsaved = [
        Message(network_id=announcement.network_id, topic_id=t, email_kind=kind, context={}) for t in ids
    ]
    return delivery_repo.count_eligible(session, unsaved)
