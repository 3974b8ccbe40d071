"""A reader's private Atom feed of what they may read. Its address carries a signed token naming an
`archive_feed` row (never the person), which works until revoked: making a new address revokes the
old one, and the preferences page revokes it. What the feed lists is decided when it is read, by the
same rules as the pages, so a reader who leaves a topic stops seeing it there too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from notifier.db.models import ArchiveFeed, Subscriber
from notifier.repositories import archive as repo
from notifier.repositories.rows import affected
from notifier.services.archive.access import Reader, reader_of
from notifier.services.archive.readers import reader_actor
from notifier.services.archive.reading import archive_copy, readable_topics
from notifier.services.common import audit
from notifier.services.common.scope import NetworkScope, NotFound
from notifier.services.common.tokens import InvalidToken, TokenPurpose, TokenSigner

FEED_ENTRIES = 50


def _live_feed(scope: NetworkScope, subscriber_id: int) -> ArchiveFeed | None:
    return scope.session.scalars(
        scope.rows(ArchiveFeed)
        .where(ArchiveFeed.subscriber_id == subscriber_id, ArchiveFeed.revoked_at.is_(None))
        .order_by(ArchiveFeed.id.desc())
    ).first()


def feed_url(reader: Reader, signer: TokenSigner, public_base_url: str) -> str | None:
    """The address of the reader's live feed, or None when they have none."""
    feed = _live_feed(reader.scope, reader.subscriber.id)
    if feed is None:
        return None
    token = signer.sign(TokenPurpose.ARCHIVE_FEED, {"n": reader.network.id, "f": feed.id})
    return f"{public_base_url}/archive/{reader.network.slug}/feed/{token}"


def make_feed(reader: Reader, *, now: datetime) -> ArchiveFeed:
    """A new private feed address for the reader; any earlier one stops working."""
    revoke_feeds(reader.scope, reader.subscriber.id, now=now)
    feed = ArchiveFeed(network_id=reader.network.id, subscriber_id=reader.subscriber.id, created_at=now)
    reader.scope.session.add(feed)
    reader.scope.session.flush()
    audit.record(
        reader.scope.session,
        reader.network.id,
        reader_actor(reader.subscriber.id),
        "archive.feed_made",
        "archive_feed",
        feed.id,
    )
    return feed


def revoke_feeds(scope: NetworkScope, subscriber_id: int, *, now: datetime) -> int:
    """Stop every feed address of the person; how many there were."""
    revoked = affected(
        scope.session.execute(
            update(ArchiveFeed)
            .where(
                ArchiveFeed.network_id == scope.network_id,
                ArchiveFeed.subscriber_id == subscriber_id,
                ArchiveFeed.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    )
    if revoked:
        audit.record(
            scope.session,
            scope.network_id,
            reader_actor(subscriber_id),
            "archive.feed_revoked",
            "subscriber",
            subscriber_id,
        )
    return revoked


def has_feed(scope: NetworkScope, subscriber_id: int) -> bool:
    return _live_feed(scope, subscriber_id) is not None


@dataclass(frozen=True)
class FeedEntry:
    id: int
    title: str
    url: str
    sent_at: datetime
    updated_at: datetime
    text: str  # the email's Notify markdown, as text


@dataclass(frozen=True)
class Feed:
    title: str
    url: str  # the archive's page
    self_url: str
    updated_at: datetime
    entries: list[FeedEntry]


def read_feed(
    scope: NetworkScope, token: str, signer: TokenSigner, public_base_url: str, self_url: str
) -> Feed:
    """The feed a token names; NotFound for a forged, damaged, revoked or another network's address, or
    a person who may no longer read anything."""
    try:
        payload = signer.verify(TokenPurpose.ARCHIVE_FEED, token, max_age_seconds=None)
    except InvalidToken as exc:
        raise NotFound("feed") from exc
    feed_id = payload.get("f")
    if payload.get("n") != scope.network_id or not isinstance(feed_id, int):
        raise NotFound("feed")
    feed = scope.find(ArchiveFeed, feed_id)
    if feed is None or feed.revoked_at is not None:
        raise NotFound("feed")
    reader = reader_of(scope, scope.session.get_one(Subscriber, feed.subscriber_id))
    if not reader.may_read:
        raise NotFound("feed")
    items = list(scope.session.scalars(repo.visible_items(reader.visibility).limit(FEED_ENTRIES)))
    topics = repo.topics_of(scope.session, [i.id for i in items])
    readable = {t.id for t in readable_topics(reader)}
    base = f"{public_base_url}/archive/{scope.network.slug}"
    entries = [
        FeedEntry(
            item.id,
            item.title,
            f"{base}/items/{item.id}",
            item.sent_at,
            item.updated_at,
            archive_copy(
                reader, item, [t for t in topics[item.id] if t.id in readable], public_base_url
            ).body,
        )
        for item in items
    ]
    updated = max((e.updated_at for e in entries), default=feed.created_at)
    return Feed(f"{scope.network.name}: past emails", base, self_url, updated, entries)
