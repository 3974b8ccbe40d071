"""Networks (the tenants) and their topics."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.models import Network, Topic


def get_network_by_slug(session: Session, slug: str) -> Network | None:
    return session.scalars(select(Network).where(Network.slug == slug)).one_or_none()


def list_networks(session: Session) -> list[Network]:
    return list(session.scalars(select(Network).order_by(Network.slug)))


def get_topic_by_slug(session: Session, network_id: int, slug: str) -> Topic | None:
    return session.scalars(
        select(Topic).where(Topic.network_id == network_id, Topic.slug == slug)
    ).one_or_none()


def get_topic(session: Session, network_id: int, topic_id: int) -> Topic | None:
    return session.scalars(
        select(Topic).where(Topic.network_id == network_id, Topic.id == topic_id)
    ).one_or_none()


def list_topics(session: Session, network_id: int) -> list[Topic]:
    return list(session.scalars(select(Topic).where(Topic.network_id == network_id).order_by(Topic.name)))
