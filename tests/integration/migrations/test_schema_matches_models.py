"""The migrations and the models describe the same schema, and every step goes down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session, sessionmaker

from notifier.db import migrate
from notifier.db.base import Base
from notifier.db.models import Network  # noqa: F401  (registers every table)


def test_migrated_schema_equals_the_models(sessions: sessionmaker[Session]) -> None:
    engine = sessions.kw["bind"]
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], differences


def test_one_line_of_history_down_to_nothing_and_back(database_url: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(database_url))
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"
    migrate.downgrade(database_url, "base")
    migrate.upgrade(database_url)
