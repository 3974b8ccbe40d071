"""Building networks, topics and subscribers for tests through the real services."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import Network, Subscriber, Topic
from notifier.domain.statuses import ConsentSource, Frequency
from notifier.services.admin.networks import create_network, create_topic
from notifier.services.sources.organiser import ORGANISER_SETTING
from notifier.services.subscribers.subscriptions import add_confirmed_subscriber

HASH_KEY = "test-secret-key"


def network_with_topics(
    session: Session, slug: str, topics: Sequence[str] = ("news",), *, organiser: bool = True
) -> tuple[Network, list[Topic]]:
    """A network with these topics and, unless told otherwise, a meeting organiser's address."""
    network = create_network(
        session,
        slug=slug,
        name=f"{slug.title()} Network",
        site_url=f"https://{slug}.example.gov.uk",
        privacy_notice_url=f"https://{slug}.example.gov.uk/privacy/",
        privacy_notice_version="v1",
        allowed_email_domains=["*.gov.uk", "simulator.notify"],
    )
    if organiser:
        network.settings = {**network.settings, ORGANISER_SETTING: f"meetings@{slug}.example.gov.uk"}
    return network, [create_topic(session, network, slug=t, name=t.title()) for t in topics]


def subscriber(
    session: Session,
    network: Network,
    email: str,
    topics: Sequence[Topic],
    frequency: Frequency = Frequency.IMMEDIATE,
) -> Subscriber:
    return add_confirmed_subscriber(
        session,
        network,
        email=email,
        name="Test Person",
        department="Testing",
        topics=topics,
        frequency=frequency,
        source=ConsentSource.ADMIN,
        hash_key=HASH_KEY,
        now=utcnow(),
    )
