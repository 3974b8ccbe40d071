"""Searching the members' archive on PostgreSQL: 100,000 items, a reader who may read half the topics
and an admin who reads everything, each search as the archive page makes it (a newest-first walk for
common words or the GIN index for the others, one page of 21, then the excerpts of that page). Words
are drawn from a Zipf-shaped vocabulary, so common, middling and rare words are all searched, one and
two at a time.

    .venv/bin/python -m bench.run --only archive
    .venv/bin/python bench/archive_search.py          # the same, printing the section

Needs the PostgreSQL that README command 2 starts. Not part of the test suite.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from bench.common import Section, postgres  # noqa: E402
from notifier.config import Settings  # noqa: E402
from notifier.db import migrate  # noqa: E402
from notifier.db.session import make_engine, session_factory, unit_of_work  # noqa: E402
from notifier.repositories.archive import Visibility, search  # noqa: E402

ITEMS = 100_000
TOPICS = 10
VOCABULARY = 20_000
WORDS_PER_ITEM = (40, 200)
SEARCHES = 300
CHUNK = 5_000
NOW = datetime.now(UTC)


def _vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(VOCABULARY)]


def seed(url: str, rng: random.Random) -> tuple[int, list[int], list[str]]:
    """One network with its topics and ITEMS items; (network id, its topic ids, the vocabulary)."""
    migrate.upgrade(url)
    engine = make_engine(url)
    words = _vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(VOCABULARY)]  # Zipf: a few words are everywhere
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        network_id = conn.execute(
            t["network"].insert().returning(t["network"].c.id),
            {"slug": "bench", "name": "Bench", "site_url": "https://bench.example.gov.uk",
             "allowed_email_domains": [], "privacy_notice_url": "https://bench.example.gov.uk/p",
             "privacy_notice_version": "v1", "webhook_secret": "x", "requires_sign_off": False,
             "settings": {}, "created_at": NOW},
        ).scalar_one()  # fmt: skip
        topic_ids = [
            conn.execute(
                t["topic"].insert().returning(t["topic"].c.id),
                {
                    "network_id": network_id,
                    "slug": f"t{n}",
                    "name": f"Topic {n}",
                    "description": "",
                    "members_only": False,
                    "created_at": NOW,
                },
            ).scalar_one()
            for n in range(TOPICS)
        ]
    for start in range(0, ITEMS, CHUNK):
        items, links = [], []
        for n in range(start, min(start + CHUNK, ITEMS)):
            body = " ".join(rng.choices(words, weights, k=rng.randint(*WORDS_PER_ITEM)))
            sent = NOW - timedelta(minutes=ITEMS - n)
            items.append(
                {"network_id": network_id, "source_key": f"event:{n}", "email_kind": "announcement",
                 "title": f"Item {n}", "context": {"subject": f"Item {n}", "body": body},
                 "search_text": f"Item {n}\n{body}", "sent_at": sent, "updated_at": sent}
            )  # fmt: skip
        with engine.begin() as conn:
            ids = conn.execute(t["archive_item"].insert().returning(t["archive_item"].c.id), items).scalars()
            for item_id in ids:
                for topic_id in rng.sample(topic_ids, rng.choice((1, 1, 2))):
                    links.append({"network_id": network_id, "item_id": item_id, "topic_id": topic_id})
            conn.execute(t["archive_item_topic"].insert(), links)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE archive_item"))
        conn.execute(sa.text("VACUUM ANALYZE archive_item_topic"))
    engine.dispose()
    return network_id, topic_ids, words


def _queries(rng: random.Random, words: list[str]) -> list[list[str]]:
    """A third common words (top 100), a third middling (100 to 2,000), a third rare; some pairs."""
    bands = ((0, 100), (100, 2_000), (2_000, VOCABULARY))
    found = []
    for n in range(SEARCHES):
        low, high = bands[n % 3]
        found.append([words[rng.randrange(low, high)] for _ in range(1 + (n % 4 == 0))])
    return found


def _timed(url: str, seen: Visibility, queries: list[list[str]]) -> tuple[list[float], int]:
    sessions = session_factory_for(url)
    times, hits = [], 0
    for words in queries:
        with unit_of_work(sessions) as uow:
            started = time.perf_counter()
            found = search(uow.session, seen, words, limit=21, offset=0)
            times.append((time.perf_counter() - started) * 1000)
            hits += bool(found)
    return times, hits


def session_factory_for(url: str) -> sessionmaker[Session]:
    return session_factory(Settings(database_url=url))


def _line(name: str, times: list[float], hits: int) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    median = statistics.median(ordered)
    return f"| {name} | {len(times)} | {hits} | {median:.1f} | {p95:.1f} | {ordered[-1]:.1f} |"


def run() -> Section:
    rng = random.Random(28)
    databases = postgres()
    url = databases.create()
    try:
        started = time.perf_counter()
        network_id, topic_ids, words = seed(url, rng)
        seeded = time.perf_counter() - started
        queries = _queries(rng, words)
        half = Visibility(network_id, topics=dict.fromkeys(topic_ids[: TOPICS // 2]))
        everything = Visibility(network_id, everything=True)
        _timed(url, everything, queries[:20])  # warm the cache, as a running service's would be
        reader, reader_hits = _timed(url, half, queries)
        admin, admin_hits = _timed(url, everything, queries)
    finally:
        databases.drop(url)
        databases.close()
    with open("/proc/loadavg") as load:
        loadavg = " ".join(load.read().split()[:3])
    return Section(
        "Archive search (100,000 items, PostgreSQL)",
        ".venv/bin/python -m bench.run --only archive",
        [
            f"{ITEMS:,} items of {WORDS_PER_ITEM[0]} to {WORDS_PER_ITEM[1]} words from a",
            f"{VOCABULARY:,}-word Zipf vocabulary, over {TOPICS} topics (seeded and indexed in",
            f"{seeded:.0f} s). {SEARCHES} searches",
            "each, a third for common words, a third middling, a third rare, a quarter of them two words;",
            "each timed as the page runs it (`repositories/archive.search`): the planner's estimate of",
            "how many items hold the words; for common words a walk of the newest items on the sent_at",
            "index that stops at the 21st match, for the others every match from the GIN index on the",
            "stored tsvector (migration 0023); then the page's items with their excerpts. Load average",
            f"at the end of the run: {loadavg} (the machine is shared).",
            "",
            "| reader | searches | with results | p50 ms | p95 ms | max ms |",
            "|---|---|---|---|---|---|",
            _line("half the topics", reader, reader_hits),
            _line("an admin (every topic)", admin, admin_hits),
        ],
    )


if __name__ == "__main__":
    print(run().markdown())
