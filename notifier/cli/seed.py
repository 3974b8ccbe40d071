"""The demo network `notifier dev` creates: a few topics and people, all made up."""

from __future__ import annotations

from dataclasses import dataclass

from notifier.cli.common import sessions_for
from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.session import unit_of_work
from notifier.domain.statuses import ConsentSource, Frequency
from notifier.repositories import networks as network_repo
from notifier.services.admin.networks import create_network, create_topic
from notifier.services.subscribers.subscriptions import add_confirmed_subscriber


@dataclass(frozen=True)
class DemoNetwork:
    slug: str = "demo"
    name: str = "Cross-Government Demo Network"
    site_url: str = "https://demo-network.example.gov.uk"


DEMO_NETWORK = DemoNetwork()
DEMO_TOPICS = {"news": "News and blog posts", "events": "Events and meetings"}
DEMO_PEOPLE = [
    ("Sam Patel", "sam.patel@digital.example.gov.uk", "Department for Digital", ["news", "events"]),
    ("Jo Evans", "jo.evans@revenue.example.gov.uk", "Revenue and Customs", ["news"]),
    ("Chris Morgan", "chris.morgan@work.example.gov.uk", "Work and Pensions", ["events"]),
    ("Alex Kim", "alex.kim@cabinet.example.gov.uk", "Cabinet Office", ["news"]),
]


def seed_demo_network(settings: Settings) -> tuple[str, str]:
    """Create the demo network once; return its slug and publish-hook secret."""
    with unit_of_work(sessions_for(settings)) as uow:
        existing = network_repo.get_network_by_slug(uow.session, DEMO_NETWORK.slug)
        if existing is not None:
            return existing.slug, existing.webhook_secret
        network = create_network(
            uow.session,
            slug=DEMO_NETWORK.slug,
            name=DEMO_NETWORK.name,
            site_url=DEMO_NETWORK.site_url,
            privacy_notice_url=f"{DEMO_NETWORK.site_url}/privacy/",
            privacy_notice_version="2026-01",
            allowed_email_domains=["*.gov.uk"],
            # The README's walk-through announces without a second person; real networks default to sign-off.
            requires_sign_off=False,
            steering_group_email=f"steering.group@{DEMO_NETWORK.site_url.removeprefix('https://')}",
        )
        routing = {"default": ["news"], "collections": {"events": ["events"]}}
        network.settings = {**network.settings, "routing": routing}
        topics = {
            slug: create_topic(uow.session, network, slug=slug, name=name)
            for slug, name in DEMO_TOPICS.items()
        }
        for name, email, department, wanted in DEMO_PEOPLE:
            add_confirmed_subscriber(
                uow.session,
                network,
                email=email,
                name=name,
                department=department,
                topics=[topics[t] for t in wanted],
                frequency=Frequency.IMMEDIATE,
                source=ConsentSource.ADMIN,
                hash_key=settings.hash_key,
                now=utcnow(),
            )
        return network.slug, network.webhook_secret
