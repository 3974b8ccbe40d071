"""Row ids are positive 64-bit integers on both databases; anything else names no row."""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def storable_id(value: int) -> bool:
    """False for an id no row can have (0, negative, or beyond BIGINT, which the database would refuse)."""
    return 0 < value <= MAX_ID


def id_from_text(text: str | None) -> int | None:
    """The id a reference such as "12345" names, or None (ASCII digits only, within BIGINT)."""
    if text is None or not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if storable_id(value) else None
