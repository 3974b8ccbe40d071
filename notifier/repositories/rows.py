"""Small typing helper for UPDATE/INSERT results."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result


def affected(result: Result[Any]) -> int:
    """Rows an UPDATE, DELETE or INSERT touched."""
    return int(cast(CursorResult[Any], result).rowcount)
