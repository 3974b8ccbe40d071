"""What the public forms share: the frequency choices and the error summary's links."""

from __future__ import annotations

FREQUENCIES = [
    ("immediate", "As soon as something is published"),
    ("daily", "Once a day, in a summary"),
    ("weekly", "Once a week, in a summary"),
]


def error_list(errors: dict[str, str]) -> list[dict[str, str]]:
    """The error summary's links: each goes to its field (the first box of a group)."""
    return [{"text": text, "href": f"#{field}"} for field, text in errors.items()]
