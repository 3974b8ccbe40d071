"""A length of time in words, as a volunteer reads it: "1 day", "2 hours", "1 hour 30 minutes"."""

from __future__ import annotations

_UNITS = (("day", 24 * 60), ("hour", 60), ("minute", 1))


def in_words(minutes: int) -> str:
    """1440 -> "1 day", 120 -> "2 hours", 90 -> "1 hour 30 minutes", 0 -> "0 minutes"."""
    parts: list[str] = []
    left = minutes
    for name, size in _UNITS:
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
    return " ".join(parts) or "0 minutes"
