"""The migrations and the models describe the same schema, and every step goes down and up again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session, sessionmaker

from notifier.db import migrate
from notifier.db.base import Base
from notifier.db.models import Network  # noqa: F401  (registers every table)

# The tables each revision adds: going down past it removes exactly these.
TABLES_BY_REVISION = {
    "0002": {"consent_text", "signup", "membership", "form_attempt"},
    "0003": {"content_page", "meeting", "meeting_invitee", "api_token", "announcement", "digest_run",
             "audit_record"},
    "0005": {"retention_rule", "retention_evidence", "data_request", "contact_enquiry"},
    "0006": set(),
    "0007": {"admin_member", "admin_sign_in_link", "admin_session", "admin_alert"},
    "0011": set(),
}  # fmt: skip
# The columns a revision adds to tables that were there before it.
COLUMNS_BY_REVISION = {"0006": {("subscriber", "pending_email")}}


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _columns(url: str, table: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {c["name"] for c in sa.inspect(conn).get_columns(table)}
    finally:
        engine.dispose()


def test_migrated_schema_equals_the_models(sessions: sessionmaker[Session]) -> None:
    engine = sessions.kw["bind"]
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], differences


def test_history_is_one_line(database_url: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(database_url))
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"


@pytest.mark.parametrize("revision", sorted(TABLES_BY_REVISION))
def test_each_revision_goes_down_and_up_again(database_url: str, revision: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(database_url))
    parent = script.get_revision(revision).down_revision
    assert isinstance(parent, str)
    later = {t for r, tables in TABLES_BY_REVISION.items() if r > revision for t in tables}
    before = _tables(database_url)
    migrate.downgrade(database_url, parent)
    after = _tables(database_url)
    assert not (TABLES_BY_REVISION[revision] | later) & after
    assert {"network", "subscriber", "delivery"} <= after
    for table, column in COLUMNS_BY_REVISION.get(revision, set()):
        assert column not in _columns(database_url, table)
    migrate.upgrade(database_url)
    assert _tables(database_url) == before
    for table, column in COLUMNS_BY_REVISION.get(revision, set()):
        assert column in _columns(database_url, table)


def test_everything_down_to_nothing_and_back(database_url: str) -> None:
    migrate.downgrade(database_url, "base")
    assert _tables(database_url) <= {"alembic_version"}
    migrate.upgrade(database_url)
    assert {"network", "delivery", "data_request"} <= _tables(database_url)
