"""Alembic environment: the URL comes from the Config attributes set by notifier.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from notifier.db import models  # noqa: F401  (registers every table on the metadata)
from notifier.db.base import Base
from notifier.db.session import make_engine

config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        run_migrations(conn)
    engine.dispose()
