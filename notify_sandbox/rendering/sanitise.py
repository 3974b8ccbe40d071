"""`sanitise_content_for` (facts §8.4): neutralise named personalisation values before filling.

URL-looking text is removed, a dotted word that is probably not a domain (`Mr.Smith`) gets a space
after each dot, then every markdown-significant character is backslash-escaped.
"""

from __future__ import annotations

import re
from typing import Any

from notify_sandbox.rendering.templating import loose_key

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_DOTTED = re.compile(r"\b[\w-]+(?:\.[\w-]+)+\b")
_LIKELY_TOP_LEVEL = frozenset(
    {
        "uk",
        "com",
        "org",
        "net",
        "gov",
        "io",
        "co",
        "info",
        "eu",
        "int",
        "edu",
        "biz",
        "me",
        "app",
        "dev",
        "ac",
        "nhs",
        "sch",
        "police",
        "mod",
        "scot",
        "wales",
    }
)
_MARKDOWN_CHARACTERS = re.compile(r"([`*_(){}\[\]<>#+\-.!|\\])")


def _without_domains(match: re.Match[str]) -> str:
    word = match.group(0)
    if word.rsplit(".", 1)[-1].lower() in _LIKELY_TOP_LEVEL:
        return ""
    return word.replace(".", ". ")


def sanitise_value(value: str) -> str:
    value = _URL.sub("", value)
    value = _DOTTED.sub(_without_domains, value)
    return _MARKDOWN_CHARACTERS.sub(r"\\\1", value)


def sanitise_personalisation(
    personalisation: dict[str, Any], names: list[str] | None
) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """The personalisation to fill with, and the `sanitised_content` report of what changed."""
    if not names:
        return personalisation, {}
    wanted = {loose_key(name) for name in names}
    cleaned = dict(personalisation)
    report: dict[str, dict[str, str]] = {}
    for key, value in personalisation.items():
        if loose_key(key) in wanted and isinstance(value, str):
            sanitised = sanitise_value(value)
            if sanitised != value:
                cleaned[key] = sanitised
                report[key] = {"unsanitised": value, "sanitised": sanitised}
    return cleaned, report
