"""What a load balancer asks: can this process reach its database."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def check_database(session: Session) -> None:
    """Raises the database's own error when it cannot answer a trivial query."""
    session.execute(text("SELECT 1"))
