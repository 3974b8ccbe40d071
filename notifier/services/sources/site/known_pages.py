"""What an admin sees of the site notifier knows, and what they can do with it: the connection (when,
in which zone, the pages by collection and by what was done with them, the newest, those recorded
without email), asking that the next whole list the workflow posts connects the site, and sending
one known page on purpose, through the announcements' sign-off (services/sources/announcements.py):
on a network that requires it, a second person approves before anything is sent."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import Announcement, ContentPage, Network
from notifier.db.session import UnitOfWork
from notifier.domain.sources import PageOutcome
from notifier.services.common import audit
from notifier.services.common.actors import Actor
from notifier.services.sources import announcements
from notifier.services.sources.announcements import AnnouncementError
from notifier.services.sources.meetings import SourceDeps
from notifier.services.sources.site.inventory import CONNECT_PENDING

SHOWN = 20


@dataclass(frozen=True)
class KnownPage:
    id: int
    url: str
    title: str
    collection: str
    date: datetime | None
    outcome: PageOutcome
    note: str
    gone: bool


@dataclass(frozen=True)
class SiteConnection:
    connected_at: datetime | None
    timezone: str | None
    pending: bool  # an admin asked that the next whole list connects the site
    total: int
    by_collection: dict[str, int]
    by_outcome: dict[str, int]
    gone: int
    newest: list[KnownPage]
    unsent: list[KnownPage]  # recorded without email since the connection, newest first


def _known(row: ContentPage) -> KnownPage:
    return KnownPage(
        row.id, row.url, row.title or row.url, row.collection, row.page_date, row.outcome, row.note,
        row.gone_at is not None,
    )  # fmt: skip


def connection(session: Session, network: Network) -> SiteConnection:
    """The site as notifier knows it, for the admin pages and the admin API."""
    scope = ContentPage.network_id == network.id
    counts = session.execute(
        select(ContentPage.collection, ContentPage.outcome, ContentPage.gone_at.is_(None), func.count())
        .where(scope)
        .group_by(ContentPage.collection, ContentPage.outcome, ContentPage.gone_at.is_(None))
    ).all()
    by_collection: Counter[str] = Counter()
    by_outcome: Counter[str] = Counter()
    gone = 0
    for collection, outcome, present, number in counts:
        by_collection[collection or "-"] += number if present else 0
        by_outcome[PageOutcome(outcome).value] += number
        gone += 0 if present else number
    newest = session.scalars(
        select(ContentPage)
        .where(scope, ContentPage.gone_at.is_(None))
        .order_by(ContentPage.page_date.desc().nulls_last(), ContentPage.id.desc())
        .limit(SHOWN)
    ).all()
    unsent = session.scalars(
        select(ContentPage)
        .where(scope, ContentPage.outcome == PageOutcome.RECORDED)
        .order_by(ContentPage.first_seen_at.desc(), ContentPage.id.desc())
        .limit(SHOWN)
    ).all()
    return SiteConnection(
        connected_at=network.site_connected_at,
        timezone=network.site_timezone,
        pending=bool(network.settings.get(CONNECT_PENDING)),
        total=sum(by_collection.values()),
        by_collection=dict(sorted(by_collection.items())),
        by_outcome=dict(sorted(by_outcome.items())),
        gone=gone,
        newest=[_known(r) for r in newest],
        unsent=[_known(r) for r in unsent],
    )


def as_json(found: SiteConnection) -> dict[str, Any]:
    def page(p: KnownPage) -> dict[str, Any]:
        return {
            "id": p.id, "url": p.url, "title": p.title, "collection": p.collection,
            "date": p.date.isoformat() if p.date else None, "outcome": p.outcome.value, "note": p.note,
            "gone": p.gone,
        }  # fmt: skip

    return {
        "connected_at": found.connected_at.isoformat() if found.connected_at else None,
        "timezone": found.timezone,
        "connect_at_next_post": found.pending,
        "pages": found.total,
        "by_collection": found.by_collection,
        "by_outcome": found.by_outcome,
        "gone": found.gone,
        "newest": [page(p) for p in found.newest],
        "recorded_without_email": [page(p) for p in found.unsent],
    }


def connect_at_next_post(session: Session, network: Network, actor: str) -> None:
    """The next whole list `notifier hook post` sends records every page as known, sending nothing."""
    network.settings = {**network.settings, CONNECT_PENDING: utcnow().isoformat()}
    audit.record(session, network.id, actor, "site.connect_requested", "network", network.id)
    session.flush()


def find_page(session: Session, network: Network, page_id: int) -> KnownPage | None:
    row = session.get(ContentPage, page_id)
    return _known(row) if row is not None and row.network_id == network.id else None


def send_on_purpose(
    uow: UnitOfWork, deps: SourceDeps, network: Network, page_id: int, actor: Actor, *, topic_slug: str
) -> Announcement:
    """One known page's email to one topic, as an announcement submitted for sign-off (scheduled at
    once where the network needs none); raises AnnouncementError naming the field."""
    row = uow.session.get(ContentPage, page_id)
    if row is None or row.network_id != network.id or not row.email:
        raise AnnouncementError("page", "is not a page of this network's site that notifier knows")
    excerpt = str(row.email.get("excerpt") or "")
    body = f"{excerpt}\n\n{row.url}".strip()
    announcement = announcements.create_draft(
        uow, network, actor, topic_slug=topic_slug, subject=row.title or row.url, body=body
    )
    announcement.content_page_id = row.id
    announcements.submit(uow, deps, network, announcement, actor, send_at=None)
    return announcement
