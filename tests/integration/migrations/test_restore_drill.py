"""A restore drill on PostgreSQL with Debian's client tools, as docs/operations.md tells an operator:

- a whole dump (`pg_dump --format=custom`) restored into a new, empty database with `pg_restore
  --exit-on-error --single-transaction` has every row, and the restored database sends a new message;
- a data-only dump restored into a migrated database with `psql -v ON_ERROR_STOP=1 --single-transaction`
  loads every row (pg_dump orders the tables by their foreign keys, so parents come first);
- into a database that already holds rows, the same command stops at the first refused row and
  leaves nothing of the dump behind: never a silent, partial restore.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from notifier.db.base import Base, utcnow
from notifier.db.models import Delivery, Message, Network, Topic
from notifier.db.session import make_engine, unit_of_work
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import DeliveryStatus
from notifier.services.admin.invitations import invite_admin
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.delivery.sending import Sender, SendingConfig
from notifier.services.privacy.folding import fold_old_deliveries
from notifier.services.sources.publishing import announce
from tests.support.databases import PostgresDatabases
from tests.support.fakes import RecordingQueue, ScriptedGateway, UnlimitedLimiter
from tests.support.seeding import HASH_KEY, issue_test_token, network_with_topics, subscriber
from tests.support.settings import make_settings

SETTINGS = make_settings(
    secret_key="x" * 40,
    public_base_url="https://notifier.example.gov.uk",
    one_click_base_url="https://notifier.example.gov.uk",
    retention_batch_size=3,
)
FOURTEEN_MONTHS = sa.text("interval '14 months'")
TABLES = [table.name for table in Base.metadata.sorted_tables] + ["alembic_version"]


def _libpq(url: str) -> str:
    """The URL as pg_dump, pg_restore and psql take it (no SQLAlchemy driver name)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            count = sa.select(sa.func.count())
            return {name: conn.execute(count.select_from(sa.table(name))).scalar_one() for name in TABLES}
    finally:
        engine.dispose()


def _run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], check=False, capture_output=True, text=True, timeout=120
    )


def _send_one_message(url: str, slug: str) -> tuple[int, list[int]]:
    """A new announcement to the network's subscribers, fanned out and sent: (message id, delivery ids)."""
    engine = make_engine(url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    queue = RecordingQueue()
    try:
        with unit_of_work(sessions) as uow:
            network = uow.session.scalars(sa.select(Network).where(Network.slug == slug)).one()
            news = uow.session.scalars(sa.select(Topic).where(Topic.network_id == network.id)).one()
            message_id = announce(uow, queue, network, news, subject="Forum", body="All welcome.").id
        fan_out_next_batch(sessions, queue, message_id, batch_size=1000, chunk_size=1000)
        composer, config = TemplateComposer.from_settings(SETTINGS), SendingConfig(ambiguous_grace_seconds=0)
        sender = Sender(sessions, ScriptedGateway(), UnlimitedLimiter(), composer, config, sleep=_no_wait)
        for _, first, last, _ in (s for s in queue.sends if s[0] == message_id and s[1]):
            sender.send_chunk(message_id, first, last)
        with unit_of_work(sessions) as uow:
            rows = uow.session.execute(
                sa.select(Delivery.id, Delivery.status).where(Delivery.message_id == message_id)
            )
            sent = [delivery_id for delivery_id, status in rows if status is DeliveryStatus.ACCEPTED]
        return message_id, sent
    finally:
        engine.dispose()


def _no_wait(_seconds: float) -> None:
    return None


def _populate(url: str) -> None:
    """Two networks with subscribers, an admin and an automation token they made, a message sent and partly
    folded."""
    engine = make_engine(url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    with unit_of_work(sessions) as uow:
        for slug in ("alpha", "beta"):
            network, (news,) = network_with_topics(uow.session, slug)
            people = [subscriber(uow.session, network, f"p{i}@{slug}.gov.uk", [news]) for i in range(4)]
            invite_admin(uow.session, network, email=people[0].email, name="Pat Admin",
                         role=AdminRole.ADMIN, invited_by="cli", hash_key=HASH_KEY, now=utcnow())  # fmt: skip
            issue_test_token(uow.session, network, AdminRole.EDITOR, people[0].email)  # made by Pat
    engine.dispose()
    _send_one_message(url, "alpha")
    _send_one_message(url, "beta")
    engine = make_engine(url)
    with unit_of_work(sessionmaker(bind=engine)) as uow:  # a fold as if 13 months had passed: tallies too
        for model in (Message, Delivery):
            uow.session.execute(sa.update(model).values(created_at=model.created_at - FOURTEEN_MONTHS))
        assert fold_old_deliveries(uow.session, SETTINGS, utcnow()) == 3
    engine.dispose()


@pytest.fixture
def populated(postgres: PostgresDatabases) -> Iterator[str]:
    url = postgres.create()
    _populate(url)
    yield url
    postgres.drop(url)


@pytest.fixture
def empty_database(postgres: PostgresDatabases) -> Iterator[str]:
    """A new database with nothing in it, not even the schema."""
    name = f"notifier_r_{uuid.uuid4().hex[:12]}"
    with postgres.engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = postgres.admin_url.set(database=name).render_as_string(hide_password=False)
    yield url
    postgres.drop(url)


def test_a_whole_dump_restored_into_a_new_database_has_every_row_and_sends(
    populated: str, empty_database: str, tmp_path: Path
) -> None:
    dump = tmp_path / "notifier.dump"
    dumped = _run("pg_dump", "--format=custom", "--file", dump, _libpq(populated))
    assert dumped.returncode == 0, dumped.stderr
    restored = _run("pg_restore", "--exit-on-error", "--single-transaction", "--no-owner",
                    "--dbname", _libpq(empty_database), dump)  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    counts = _counts(populated)
    assert counts["delivery"] and counts["delivery_tally"] and counts["admin_member"]
    assert _counts(empty_database) == counts

    old_ids = _counts(populated)["delivery"]
    _, sent = _send_one_message(empty_database, "alpha")
    assert len(sent) == 4  # the restored sequences hand out new ids; the keys accept the new rows
    after = _counts(empty_database)
    assert (after["message"], after["delivery"]) == (counts["message"] + 1, old_ids + 4)


def test_a_data_only_dump_restores_into_a_migrated_database(
    populated: str, postgres: PostgresDatabases, tmp_path: Path
) -> None:
    data = tmp_path / "data.sql"
    dumped = _run("pg_dump", "--data-only", "--exclude-table-data=alembic_version", "--file", data,
                  _libpq(populated))  # fmt: skip
    assert dumped.returncode == 0, dumped.stderr
    assert "circular" not in dumped.stderr  # every table can be loaded after the tables it names
    target = postgres.create()  # migrated, no rows
    try:
        restored = _run("psql", "-X", "--quiet", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                        "--file", data, _libpq(target))  # fmt: skip
        assert restored.returncode == 0, restored.stderr
        assert _counts(target) == _counts(populated)
        assert len(_send_one_message(target, "beta")[1]) == 4
    finally:
        postgres.drop(target)


def test_a_data_only_restore_that_meets_a_refused_row_fails_loudly_and_leaves_nothing(
    populated: str, postgres: PostgresDatabases, tmp_path: Path
) -> None:
    """Into a database that already holds rows: the first clash stops psql, and the single transaction
    takes back every row it had loaded before it (without ON_ERROR_STOP psql would carry on)."""
    data = tmp_path / "data.sql"
    assert _run("pg_dump", "--data-only", "--exclude-table-data=alembic_version", "--file", data,
                _libpq(populated)).returncode == 0  # fmt: skip
    target = postgres.create()
    try:
        engine = make_engine(target)
        with unit_of_work(sessionmaker(bind=engine)) as uow:
            network_with_topics(uow.session, "alpha")  # network id 1: the dump's first network clashes
        engine.dispose()
        before = _counts(target)
        restored = _run("psql", "-X", "--quiet", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                        "--file", data, _libpq(target))  # fmt: skip
        assert restored.returncode != 0
        assert "ERROR" in restored.stderr
        assert _counts(target) == before
    finally:
        postgres.drop(target)
