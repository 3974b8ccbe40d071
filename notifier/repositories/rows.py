"""Small helpers for statements: UPDATE/INSERT results, id lists, enum values written as literals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import BindParameter, ColumnElement, CursorResult, Result, bindparam, literal_column
from sqlalchemy.orm import Session


def affected(result: Result[Any]) -> int:
    """Rows an UPDATE, DELETE or INSERT touched."""
    return int(cast(CursorResult[Any], result).rowcount)


def one_of(session: Session, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL with the ids written into the statement, not sent as parameters.

    5,000 ids as 5,000 parameters cost PostgreSQL about 40-70 ms a statement (psycopg binding them, the
    server parsing and planning them) before any row is read; as literals about 13 ms
    (bench/retention.py). SQLite binds parameters cheaply, and caches each statement text it sees, so
    literals there would only fill its cache with one-off statements. Integers only; the session can
    still evaluate the condition for the objects it has loaded.
    """
    literal_execute = session.get_bind().dialect.name == "postgresql"
    values: BindParameter[int] = bindparam(None, list(ids), expanding=True, literal_execute=literal_execute)
    return cast(ColumnElement[bool], column.in_(values))


def literal_of(value: StrEnum) -> ColumnElement[str]:
    """An enum value as an SQL literal. A partial index whose predicate names a value is only used
    when the query names the same literal: a bound parameter proves nothing to either database."""
    return literal_column(f"'{value.value}'")


def literals(values: Iterable[StrEnum]) -> list[ColumnElement[str]]:
    """Enum values as SQL literals, sorted (as `literal_of`; and an expanding IN of parameters cannot
    be sent as one executemany batch)."""
    return [literal_of(value) for value in sorted(values)]
