"""Building networks, topics and subscribers for tests through the real services."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import AdminMember, Network, Subscriber, Topic
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import ConsentSource, Frequency
from notifier.repositories.admins import live_team
from notifier.services.admin.admin_tokens import IssuedToken, issue_token
from notifier.services.admin.invitations import invite_admin
from notifier.services.admin.networks import create_network, create_topic
from notifier.services.sources.organiser import ORGANISER_SETTING
from notifier.services.subscribers.subscriptions import add_confirmed_subscriber

HASH_KEY = "test-secret-key"


def network_with_topics(
    session: Session,
    slug: str,
    topics: Sequence[str] = ("news",),
    *,
    organiser: bool = True,
    sign_off: bool = False,
) -> tuple[Network, list[Topic]]:
    """A network with these topics and, unless told otherwise, a meeting organiser's address; without
    sign-off unless asked: the tests of sign-off turn it on themselves."""
    network = create_network(
        session,
        slug=slug,
        name=f"{slug.title()} Network",
        site_url=f"https://{slug}.example.gov.uk",
        privacy_notice_url=f"https://{slug}.example.gov.uk/privacy/",
        privacy_notice_version="v1",
        allowed_email_domains=["*.gov.uk", "simulator.notify"],
        requires_sign_off=sign_off,
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
    *,
    hash_key: str = HASH_KEY,
) -> Subscriber:
    """A confirmed subscriber; `hash_key`: the running app's (a fleet's) when it must find them by address."""
    return add_confirmed_subscriber(
        session,
        network,
        email=email,
        name="Test Person",
        department="Testing",
        topics=topics,
        frequency=frequency,
        source=ConsentSource.ADMIN,
        hash_key=hash_key,
        now=utcnow(),
    )


MAKER_EMAIL = "token.maker@tokens.gov.uk"


def token_maker(session: Session, network: Network) -> AdminMember:
    """The admin who makes a test's automation tokens: the network's first live admin, else one added."""
    for member, _person in live_team(session, network.id):
        if member.role is AdminRole.ADMIN:
            return member
    return invite_admin(
        session, network, email=MAKER_EMAIL, name="Token Maker", role=AdminRole.ADMIN, invited_by="cli",
        hash_key=HASH_KEY, now=utcnow(),
    )  # fmt: skip


def issue_test_token(
    session: Session, network: Network, role: AdminRole, holder_email: str, label: str = "t"
) -> IssuedToken:
    """An automation token as an admin makes it (`token_maker`)."""
    return issue_token(
        session,
        network,
        role=role,
        label=label,
        holder_email=holder_email,
        created_by=token_maker(session, network),
    )
