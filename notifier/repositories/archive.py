"""Queries of the members' archive: items and their topics, what a reader may see, the list by date
and the search (PostgreSQL's full-text search on the GIN index, SQLite's FTS5 table)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, and_, delete, exists, false, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import AliasedClass

from notifier.db.models import ArchiveItem, ArchiveItemTopic, Topic
from notifier.db.models.archive import ARCHIVE_SEARCH_VECTOR, SEARCH_LANGUAGE

# Marks around each match in a search's excerpt: private-use characters no email text holds, so the
# service can escape the excerpt and then turn only these into <mark> tags.
MATCH_START, MATCH_END = "\ue000", "\ue001"
_WORDS = re.compile(r"\w+")
MAX_SEARCH_WORDS = 12
EXCERPT_WORDS = 30  # SQLite's excerpt; PostgreSQL's ts_headline shows 15 to 35 words
_FTS = sa.table("archive_item_fts", sa.column("rowid"), sa.column("search_text"))
_ENGLISH: ColumnElement[Any] = sa.literal_column(f"'{SEARCH_LANGUAGE}'::regconfig")
# PostgreSQL's stored tsvector of each item's search_text, GIN-indexed (migration 0023; not in the
# models, since SQLite has none: db/models/archive.py).
_SEARCH_VECTOR: ColumnElement[Any] = sa.literal_column(f"archive_item.{ARCHIVE_SEARCH_VECTOR}")
# A walk of the newest items goes this many times as far as the estimate says the page needs, then
# gives way to the GIN index (the reader may not read every match, the estimate may be off).
WALK_MARGIN = 4
# One plan, two estimates: the network's items, then those that hold every word.
_ESTIMATES = (
    "EXPLAIN (FORMAT JSON) SELECT 1 FROM archive_item WHERE network_id = :network UNION ALL "
    "SELECT 1 FROM archive_item WHERE network_id = :network "
    "AND search_vector @@ plainto_tsquery('english'::regconfig, :words)"
)


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


Item = type[ArchiveItem] | AliasedClass[ArchiveItem]


def _visible(seen: Visibility, topic_id: int | None, item: Item = ArchiveItem) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [item.network_id == seen.network_id, item.withdrawn_at.is_(None)]
    if topic_id is not None:
        in_topic = ArchiveItemTopic.topic_id == topic_id
        where.append(exists().where(ArchiveItemTopic.item_id == item.id, in_topic))
    if seen.everything:
        return where
    whole = [t for t, since in seen.topics.items() if since is None]
    parts: list[ColumnElement[bool]] = [ArchiveItemTopic.topic_id.in_(whole)] if whole else []
    parts += [
        and_(ArchiveItemTopic.topic_id == t, item.sent_at >= since)
        for t, since in seen.topics.items()
        if since is not None
    ]
    where.append(exists().where(ArchiveItemTopic.item_id == item.id, or_(*parts)) if parts else false())
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
    query = text_query(words)
    window = walk_window(session, seen.network_id, words, wanted=limit + offset)
    ids = newest_matches(session, seen, query, limit=limit, offset=offset, window=window) if window else None
    if ids is None:
        ids = indexed_matches(session, seen, query, limit=limit, offset=offset)
    if not ids:
        return []
    options = f"StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords=35, MinWords=15, MaxFragments=2"
    headline = func.ts_headline(_ENGLISH, _body(ArchiveItem.search_text), query, options)
    rows = session.execute(select(ArchiveItem, headline).where(ArchiveItem.id.in_(ids))).tuples()
    found = {item.id: (item, str(text or "")) for item, text in rows}
    return [found[i] for i in ids]


def text_query(words: list[str]) -> ColumnElement[Any]:
    """PostgreSQL's query of every word (by stem)."""
    return func.plainto_tsquery(_ENGLISH, " ".join(words))


def _body(search_text: sa.ColumnExpressionArgument[str]) -> ColumnElement[str]:
    """The search text after its first line (the title, which the result shows already)."""
    return func.substr(search_text, func.strpos(search_text, "\n") + 1)


def _estimated_rows(session: Session, network_id: int, words: list[str]) -> tuple[float, float]:
    """The planner's estimates (from ANALYZE's statistics, which for a tsvector count each word's
    items) of the network's items and of those holding every word: nothing is read but statistics."""
    params = {"network": network_id, "words": " ".join(words)}
    plan = session.execute(sa.text(_ESTIMATES), params).scalar_one()
    items, matches = (float(part["Plan Rows"]) for part in plan[0]["Plan"]["Plans"])
    return items, matches


def walk_window(session: Session, network_id: int, words: list[str], *, wanted: int) -> int | None:
    """How many of the newest items to walk for the page's `wanted` matches, or None when the words
    are rare enough that fetching every match from the GIN index reads fewer rows. A walk reads about
    wanted / share items (share: the part of the network's items that match), the GIN index every
    match, share x items: walking wins once share^2 x items > wanted."""
    items, matches = _estimated_rows(session, network_id, words)
    share = matches / items if items >= 1 else 0.0
    if share <= 0 or wanted / share > matches:
        return None
    return math.ceil(WALK_MARGIN * wanted / share)


def newest_matches(
    session: Session, seen: Visibility, query: ColumnElement[Any], *, limit: int, offset: int, window: int
) -> list[int] | None:
    """The page's ids from the network's newest `window` items, walked newest first on its sent_at
    index and stopping at the page's last match; None when they hold too few matches for the page."""
    wanted = limit + offset
    recent = (
        select(ArchiveItem, _SEARCH_VECTOR.label("search_vector"))
        .where(ArchiveItem.network_id == seen.network_id)
        .order_by(ArchiveItem.sent_at.desc(), ArchiveItem.id.desc())
        .limit(window)
        .subquery("recent")
    )
    newest = aliased(ArchiveItem, recent)
    ids = list(
        session.scalars(
            select(newest.id)
            .where(recent.c.search_vector.bool_op("@@")(query), *_visible(seen, None, newest))
            .order_by(newest.sent_at.desc(), newest.id.desc())
            .limit(wanted)
        )
    )
    return ids[offset:] if len(ids) == wanted else None


def indexed_matches(
    session: Session, seen: Visibility, query: ColumnElement[Any], *, limit: int, offset: int
) -> list[int]:
    """The page's ids from every match the GIN index finds, newest first. The matches are taken first
    (a MATERIALIZED CTE): asked in one query, the planner would walk the sent_at index for them."""
    matched = (
        select(ArchiveItem.id, ArchiveItem.network_id, ArchiveItem.sent_at, ArchiveItem.withdrawn_at)
        .where(ArchiveItem.network_id == seen.network_id, _SEARCH_VECTOR.bool_op("@@")(query))
        .cte("matched")
        .prefix_with("MATERIALIZED")
    )
    found = aliased(ArchiveItem, matched)
    return list(
        session.scalars(
            select(found.id)
            .where(*_visible(seen, None, found))
            .order_by(found.sent_at.desc(), found.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def _search_sqlite(
    session: Session, seen: Visibility, words: list[str], *, limit: int, offset: int
) -> list[tuple[ArchiveItem, str]]:
    match = " ".join(f'"{word}"' for word in words)  # quoted: FTS5's own syntax is not the reader's
    marked = sa.literal_column(f"highlight(archive_item_fts, 0, '{MATCH_START}', '{MATCH_END}')", sa.String)
    rows = session.execute(
        select(ArchiveItem, marked)
        .join(_FTS, _FTS.c.rowid == ArchiveItem.id)
        .where(*_visible(seen, None), sa.text("archive_item_fts MATCH :match").bindparams(match=match))
        .order_by(ArchiveItem.sent_at.desc(), ArchiveItem.id.desc())
        .limit(limit)
        .offset(offset)
    ).tuples()
    return [(item, body_excerpt(str(text or ""))) for item, text in rows]


def body_excerpt(marked: str, *, words: int = EXCERPT_WORDS) -> str:
    """A marked search text's body (after the title's line) cut to `words` words from a little before
    its first match, with "…" where it is cut."""
    body = marked.partition("\n")[2].split()
    first = next((n for n, word in enumerate(body) if MATCH_START in word), 0)
    start = max(0, first - words // 4)
    end = start + words
    return ("… " if start else "") + " ".join(body[start:end]) + (" …" if end < len(body) else "")


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
