"""Archive search on both databases: every item the reader may read that holds every word, newest first
(ties by id), page by page; on PostgreSQL the newest-first walk and the GIN index's plan give the same
pages; an excerpt starts at the body, never at the title the result already shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import ArchiveItem, ArchiveItemTopic
from notifier.db.session import unit_of_work
from notifier.rendering.emails import EmailKind
from notifier.repositories import archive as repo
from notifier.services.archive.recording import record
from tests.support.seeding import network_with_topics

ITEMS = 300


@dataclass(frozen=True)
class Kept:
    id: int
    sent_at: datetime
    words: frozenset[str]
    topics: frozenset[int]
    withdrawn: bool


def _words_of(n: int) -> list[str]:
    """Common words in most items, a middling one in every 15th, a rare one in three, and one only in
    the oldest hundred (so the newest items hold none of it)."""
    words = ["meadow"]
    words += ["kestrel"] if n % 2 else []
    words += ["heron"] if n % 3 == 0 else []
    words += ["otter"] if n % 15 == 0 else []
    words += ["badger"] if n in (7, 150, 290) else []
    words += ["falcon"] if n < 100 and n % 2 == 0 else []
    return words


def _archive(session: Session) -> tuple[int, list[int], list[Kept]]:
    """ITEMS items, two sent in each second (the order's ties fall to the id), over three topics,
    some in two; every 25th withdrawn."""
    network, topics = network_with_topics(session, "alpha", ["news", "events", "members"])
    start = utcnow().replace(microsecond=0) - timedelta(days=30)
    kept = []
    for n in range(ITEMS):
        words = _words_of(n)
        sent = start + timedelta(seconds=n // 2)
        withdrawn = sent if n % 25 == 24 else None
        item = ArchiveItem(network_id=network.id, source_key=f"event:{n}", email_kind="announcement",
                           title=f"Item {n}", context={}, search_text=f"Item {n}\n{' '.join(words)}",
                           sent_at=sent, updated_at=sent, withdrawn_at=withdrawn,
                           withdrawn_by="admin:1" if withdrawn else None)  # fmt: skip
        session.add(item)
        session.flush()
        chosen = {topics[n % 3].id} | ({topics[(n + 1) % 3].id} if n % 4 == 0 else set())
        session.add_all(ArchiveItemTopic(network_id=network.id, item_id=item.id, topic_id=t) for t in chosen)
        kept.append(Kept(item.id, sent, frozenset(words), frozenset(chosen), withdrawn is not None))
    session.flush()
    return network.id, [t.id for t in topics], kept


def _expected(kept: list[Kept], seen: repo.Visibility, words: list[str]) -> list[int]:
    found = [
        k
        for k in kept
        if not k.withdrawn
        and set(words) <= k.words
        and (seen.everything or any(t in seen.topics for t in k.topics))
    ]
    return [k.id for k in sorted(found, key=lambda k: (k.sent_at, k.id), reverse=True)]


QUERIES = [["meadow"], ["kestrel"], ["heron", "kestrel"], ["otter"], ["badger"], ["falcon"], ["nothing"]]


def _readers(network_id: int, topic_ids: list[int]) -> list[repo.Visibility]:
    return [
        repo.Visibility(network_id, everything=True),
        repo.Visibility(network_id, topics=dict.fromkeys(topic_ids[:1])),
        repo.Visibility(network_id, topics=dict.fromkeys(topic_ids[1:])),
    ]


def test_search_finds_every_readable_match_newest_first_page_by_page(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as uow:
        network_id, topic_ids, kept = _archive(uow.session)
        for seen in _readers(network_id, topic_ids):
            for words in QUERIES:
                expected = _expected(kept, seen, words)
                for limit, offset in ((21, 0), (21, 21), (5, 0), (5, 40), (2, 0)):
                    found = repo.search(uow.session, seen, words, limit=limit, offset=offset)
                    assert [item.id for item, _ in found] == expected[offset : offset + limit], (words, seen)


def test_the_newest_first_walk_and_the_gin_index_give_the_same_pages(
    pg_sessions: sessionmaker[Session],
) -> None:
    """PostgreSQL's two plans (SQLite has one, FTS5's: the test above checks its pages). The walk
    answers only when its newest items fill the page: a common word does, a word only in old items
    does not (so the GIN index answers), nor does a rare word."""
    walked = []
    with unit_of_work(pg_sessions) as uow:
        network_id, topic_ids, kept = _archive(uow.session)
        for seen in _readers(network_id, topic_ids):
            for words in QUERIES:
                query = repo.text_query(words)
                expected = _expected(kept, seen, words)
                for limit, offset in ((21, 0), (21, 21), (2, 0), (2, 10)):
                    page = expected[offset : offset + limit]
                    window = 100 * (limit + offset)
                    newest = repo.newest_matches(
                        uow.session, seen, query, limit=limit, offset=offset, window=window
                    )
                    indexed = repo.indexed_matches(uow.session, seen, query, limit=limit, offset=offset)
                    assert indexed == page, (words, seen, limit, offset)
                    assert newest in (None, page), (words, seen, limit, offset)
                    walked.append((words[0], limit, newest is not None))
    assert ("meadow", 21, True) in walked and ("kestrel", 2, True) in walked
    assert ("badger", 21, False) in walked
    assert ("falcon", 2, False) in walked  # only in the oldest hundred: the newest 200 hold none


def test_common_words_are_walked_and_rare_ones_fetched_from_the_gin_index(
    pg_sessions: sessionmaker[Session],
) -> None:
    """The choice follows the statistics: a word in most items is walked, about four times as far as
    the page needs; a word in a few items is fetched from the GIN index."""
    with unit_of_work(pg_sessions) as uow:
        network_id, _topic_ids, _kept = _archive(uow.session)
        uow.session.execute(text("ANALYZE archive_item"))
        meadow = repo.walk_window(uow.session, network_id, ["meadow"], wanted=21)
        assert meadow is not None and 21 * 4 <= meadow <= 21 * 5
        assert repo.walk_window(uow.session, network_id, ["badger"], wanted=21) is None
        assert repo.walk_window(uow.session, network_id, ["otter"], wanted=21) is None


def test_an_excerpt_starts_at_the_body_not_the_title(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        body = "The steering group invites everyone to the summer party."
        context = {"subject": "Summer party", "body": body}
        record(uow.session, network.id, source_key="event:1", kind=EmailKind.ANNOUNCEMENT, context=context,
               topic_ids=[news.id])  # fmt: skip
        seen = repo.Visibility(network.id, everything=True)
        for words in (["steering"], ["summer"]):
            ((item, excerpt),) = repo.search(uow.session, seen, words, limit=21, offset=0)
            assert item.title == "Summer party"
            plain = excerpt.replace(repo.MATCH_START, "").replace(repo.MATCH_END, "")
            assert "Summer party" not in plain and "steering group invites everyone" in plain, excerpt
            assert f"{repo.MATCH_START}{words[0]}" in excerpt.lower(), excerpt


def test_a_long_body_s_excerpt_is_cut_around_its_first_match() -> None:
    body = " ".join(f"w{n}" for n in range(100))
    marked = f"Title\n{body.replace('w50', f'{repo.MATCH_START}w50{repo.MATCH_END}')}"
    excerpt = repo.body_excerpt(marked, words=20)
    assert (
        excerpt
        == "… "
        + " ".join(f"{repo.MATCH_START}w50{repo.MATCH_END}" if n == 50 else f"w{n}" for n in range(45, 65))
        + " …"
    )
    assert repo.body_excerpt("Title\nshort body", words=20) == "short body"
    assert repo.body_excerpt("Title only", words=20) == ""
