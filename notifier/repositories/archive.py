"""Queries of the members' archive: items and their topics, what a reader may see, the list by date
and the search (PostgreSQL's full-text search on the GIN index, SQLite's FTS5 table)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, and_, delete, exists, false, func, or_, select
from sqlalchemy.orm import Session

from notifier.db.models import ArchiveItem, ArchiveItemTopic, Topic

# Marks around each match in a search's excerpt: private-use characters no email text holds, so the
# service can escape the excerpt and then turn only these into <mark> tags.
MATCH_START, MATCH_END = "\ue000", "\ue001"
_WORDS = re.compile(r"\w+")
MAX_SEARCH_WORDS = 12
_FTS = sa.table("archive_item_fts", sa.column("rowid"), sa.column("search_text"))


@dataclass(frozen=True)
class Visibility:
    """What one reader may see of a network's archive: every topic (an admin), or these topics, each
    from a time (None: everything the topic was ever sent)."""

    network_id: int
    everything: bool = False
    topics: dict[int, datetime | None] = field(default_factory=dict)


def item_by_key(session: Session, network_id: int, source_key: str) -> ArchiveItem | None:
    return session.scalars(
        select(ArchiveItem).where(ArchiveItem.network_id == network_id, ArchiveItem.source_key == source_key)
    ).one_or_none()


def set_topics(session: Session, item: ArchiveItem, topic_ids: list[int]) -> None:
    """The item's topics become exactly these (a meeting's audience can change)."""
    wanted = set(topic_ids)
    have = set(session.scalars(select(ArchiveItemTopic.topic_id).where(ArchiveItemTopic.item_id == item.id)))
    if gone := have - wanted:
        session.execute(
            delete(ArchiveItemTopic).where(
                ArchiveItemTopic.item_id == item.id, ArchiveItemTopic.topic_id.in_(gone)
            )
        )
    session.add_all(
        ArchiveItemTopic(network_id=item.network_id, item_id=item.id, topic_id=t)
        for t in sorted(wanted - have)
    )
    session.flush()


def topics_of(session: Session, item_ids: list[int]) -> dict[int, list[Topic]]:
    """Each item's topics, by name."""
    found: dict[int, list[Topic]] = {i: [] for i in item_ids}
    if not item_ids:
        return found
    rows = session.execute(
        select(ArchiveItemTopic.item_id, Topic)
        .join(Topic, Topic.id == ArchiveItemTopic.topic_id)
        .where(ArchiveItemTopic.item_id.in_(item_ids))
        .order_by(Topic.name)
    )
    for item_id, topic in rows:
        found[item_id].append(topic)
    return found


def _visible(seen: Visibility, topic_id: int | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        ArchiveItem.network_id == seen.network_id,
        ArchiveItem.withdrawn_at.is_(None),
    ]
    if topic_id is not None:
        where.append(
            exists().where(ArchiveItemTopic.item_id == ArchiveItem.id, ArchiveItemTopic.topic_id == topic_id)
        )
    if seen.everything:
        return where
    whole = [t for t, since in seen.topics.items() if since is None]
    parts: list[ColumnElement[bool]] = [ArchiveItemTopic.topic_id.in_(whole)] if whole else []
    parts += [
        and_(ArchiveItemTopic.topic_id == t, ArchiveItem.sent_at >= since)
        for t, since in seen.topics.items()
        if since is not None
    ]
    where.append(
        exists().where(ArchiveItemTopic.item_id == ArchiveItem.id, or_(*parts)) if parts else false()
    )
    return where


def visible_items(seen: Visibility, topic_id: int | None = None) -> Select[ArchiveItem]:
    """The items the reader may see, newest first."""
    return (
        select(ArchiveItem)
        .where(*_visible(seen, topic_id))
        .order_by(ArchiveItem.sent_at.desc(), ArchiveItem.id.desc())
    )


def count_visible(session: Session, seen: Visibility, topic_id: int | None = None) -> int:
    found = session.scalar(select(func.count()).select_from(ArchiveItem).where(*_visible(seen, topic_id)))
    return int(found or 0)


def visible_item(session: Session, seen: Visibility, item_id: int) -> ArchiveItem | None:
    return session.scalars(
        select(ArchiveItem).where(ArchiveItem.id == item_id, *_visible(seen, None))
    ).first()


def search_words(query: str) -> list[str]:
    """The words of a reader's search, at most MAX_SEARCH_WORDS: every one must be in an item."""
    return _WORDS.findall(query.lower())[:MAX_SEARCH_WORDS]


def search(
    session: Session, seen: Visibility, words: list[str], *, limit: int, offset: int
) -> list[tuple[ArchiveItem, str]]:
    """Items holding every word (by stem), newest first, each with an excerpt whose matches are
    between MATCH_START and MATCH_END."""
    if not words:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _search_postgres(session, seen, words, limit=limit, offset=offset)
    return _search_sqlite(session, seen, words, limit=limit, offset=offset)


def _search_postgres(
    session: Session, seen: Visibility, words: list[str], *, limit: int, offset: int
) -> list[tuple[ArchiveItem, str]]:
    query = func.plainto_tsquery(sa.literal_column("'english'::regconfig"), " ".join(words))
    # The same expression as the GIN index (migration 0020), so the planner can use it.
    document = func.to_tsvector(sa.literal_column("'english'::regconfig"), ArchiveItem.search_text)
    page = (
        select(ArchiveItem)
        .where(*_visible(seen, None), document.bool_op("@@")(query))
        .order_by(ArchiveItem.sent_at.desc(), ArchiveItem.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = list(session.scalars(page))
    if not items:
        return []
    options = f"StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords=35, MinWords=15, MaxFragments=2"
    headline = func.ts_headline(
        sa.literal_column("'english'::regconfig"), ArchiveItem.search_text, query, options
    )
    rows = session.execute(select(ArchiveItem.id, headline).where(ArchiveItem.id.in_([i.id for i in items])))
    excerpts = {item_id: str(text) for item_id, text in rows.tuples()}
    return [(item, excerpts.get(item.id, "")) for item in items]


def _search_sqlite(
    session: Session, seen: Visibility, words: list[str], *, limit: int, offset: int
) -> list[tuple[ArchiveItem, str]]:
    match = " ".join(f'"{word}"' for word in words)  # quoted: FTS5's own syntax is not the reader's
    snippet = sa.literal_column(
        f"snippet(archive_item_fts, 0, '{MATCH_START}', '{MATCH_END}', '…', 24)", sa.String
    )
    rows = session.execute(
        select(ArchiveItem, snippet)
        .join(_FTS, _FTS.c.rowid == ArchiveItem.id)
        .where(*_visible(seen, None), sa.text("archive_item_fts MATCH :match").bindparams(match=match))
        .order_by(ArchiveItem.sent_at.desc(), ArchiveItem.id.desc())
        .limit(limit)
        .offset(offset)
    ).tuples()
    return [(item, str(excerpt or "")) for item, excerpt in rows]


def delete_sent_before(session: Session, network_id: int, cutoff: datetime, limit: int) -> int:
    """Delete at most `limit` of the network's items sent at or before the cutoff (retention)."""
    ids = list(
        session.scalars(
            select(ArchiveItem.id)
            .where(ArchiveItem.network_id == network_id, ArchiveItem.sent_at <= cutoff)
            .order_by(ArchiveItem.id)
            .limit(limit)
        )
    )
    if ids:
        session.execute(delete(ArchiveItem).where(ArchiveItem.id.in_(ids)))
    return len(ids)


def count_sent_before(session: Session, network_id: int, cutoff: datetime | None) -> tuple[int, int]:
    """(items, of them sent at or before the cutoff)."""
    mine = ArchiveItem.network_id == network_id
    total = session.scalar(select(func.count()).select_from(ArchiveItem).where(mine)) or 0
    due = 0
    if cutoff is not None:
        due = (
            session.scalar(
                select(func.count()).select_from(ArchiveItem).where(mine, ArchiveItem.sent_at <= cutoff)
            )
            or 0
        )
    return int(total), int(due)


def earliest_sent(session: Session, network_id: int) -> datetime | None:
    found: datetime | None = session.scalar(
        select(func.min(ArchiveItem.sent_at)).where(ArchiveItem.network_id == network_id)
    )
    return found
