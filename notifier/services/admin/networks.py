"""Creating networks (tenants) and their topics, and finding them by the slug in an address."""

from __future__ import annotations

import re
import secrets

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Network, Topic
from notifier.db.session import unit_of_work
from notifier.domain.emails import normalise_email
from notifier.repositories import networks as network_repo
from notifier.repositories.enquiries import STEERING_GROUP_SETTING

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class NetworkError(ValueError):
    """A network or topic cannot be created as asked; the message names the field."""


def create_network(
    session: Session,
    *,
    slug: str,
    name: str,
    site_url: str,
    privacy_notice_url: str,
    privacy_notice_version: str,
    allowed_email_domains: list[str],
    notify_reply_to_id: str | None = None,
    requires_sign_off: bool = True,
    steering_group_email: str | None = None,
) -> Network:
    """`steering_group_email` is where the contact form's messages go; without it they wait in the
    admin's Enquiries page until an admin sets it."""
    if not SLUG.match(slug):
        raise NetworkError(
            "slug: use lower-case letters, digits and hyphens, starting with a letter or digit"
        )
    if network_repo.get_network_by_slug(session, slug) is not None:
        raise NetworkError(f"slug: a network called {slug!r} already exists")
    if not site_url.startswith("https://"):
        raise NetworkError("site_url: the network's site must be an https URL")
    settings: dict[str, str] = {}
    if steering_group_email:
        try:
            valid = validate_email(steering_group_email.strip(), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise NetworkError(f"steering_group_email: {exc}") from exc
        settings[STEERING_GROUP_SETTING] = normalise_email(valid)
    network = Network(
        slug=slug,
        name=name.strip(),
        site_url=site_url.rstrip("/"),
        privacy_notice_url=privacy_notice_url,
        privacy_notice_version=privacy_notice_version,
        allowed_email_domains=allowed_email_domains,
        webhook_secret=secrets.token_urlsafe(32),
        notify_reply_to_id=notify_reply_to_id,
        requires_sign_off=requires_sign_off,
        settings=settings,
    )
    session.add(network)
    session.flush()
    return network


def create_topic(
    session: Session,
    network: Network,
    *,
    slug: str,
    name: str,
    description: str = "",
    members_only: bool = False,
) -> Topic:
    if not SLUG.match(slug):
        raise NetworkError("slug: use lower-case letters, digits and hyphens")
    if network_repo.get_topic_by_slug(session, network.id, slug) is not None:
        raise NetworkError(f"slug: {network.slug} already has a topic called {slug!r}")
    topic = Topic(
        network_id=network.id,
        slug=slug,
        name=name.strip(),
        description=description,
        members_only=members_only,
    )
    session.add(topic)
    session.flush()
    return topic


def list_networks(session: Session) -> list[Network]:
    return network_repo.list_networks(session)


def network_named(sessions: sessionmaker[Session], *slugs: str) -> Network | None:
    """The first network these path segments name (`/contact/{slug}`, `/unsubscribe/new-link/{slug}`),
    read in a short transaction of its own, detached: for the frame of a page answered after its
    request's unit of work has ended (a 404, say)."""
    candidates = [slug for slug in slugs if SLUG.match(slug)]
    if not candidates:
        return None
    with unit_of_work(sessions) as uow:
        for slug in candidates:
            network = network_repo.get_network_by_slug(uow.session, slug)
            if network is not None:
                uow.session.expunge(network)
                return network
        return None


def network_or_none(session: Session, slug: str | None) -> Network | None:
    """The network a page's `?network=` names, if any: the page wears its frame."""
    return None if not slug else network_repo.get_network_by_slug(session, slug)
