"""Jekyll front matter read the way Jekyll reads it: Ruby's Psych YAML (`jekyll.rubyyaml`), then typed values.

Every problem is a `FieldProblem` naming the field as `front_matter.<key>`, so the hook can answer
422 with the exact field and store nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from ruamel.yaml.error import YAMLError

from notifier.services.sources.jekyll import rubytime, rubyyaml
from notifier.services.sources.jekyll.yaml_limits import YamlLimitExceeded

LONDON = ZoneInfo("Europe/London")
FENCE = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(.*?)(?:\r?\n)?^(?:---|\.\.\.)[ \t]*$\r?\n?", re.DOTALL | re.MULTILINE
)
MAX_YAML_CHARS = 64_000
DATE_ONLY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


class FieldProblem(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def split_source(text: str) -> tuple[str | None, str]:
    """(front matter YAML, body) of a Jekyll source file; None when it has no front matter."""
    match = FENCE.match(text)
    if match is None:
        return None, text
    return match.group(1), text[match.end() :]


def load_front_matter(text: str) -> dict[str, Any]:
    """The front matter within `yaml_limits.FRONT_MATTER`; a FieldProblem naming the limit if over it."""
    try:
        loaded = rubyyaml.load(text)
    except YamlLimitExceeded as exc:
        raise FieldProblem("front_matter", str(exc)) from exc
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise FieldProblem("front_matter", f"is not valid YAML{where}") from exc
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # e.g. 2024-02-30
        raise FieldProblem("front_matter", f"has a value YAML cannot read ({exc})") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
        raise FieldProblem("front_matter", "must be a mapping of names to values")
    return loaded


def text_value(data: dict[str, Any], key: str, field: str, *, max_length: int) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, (bool, dict, list)):
        raise FieldProblem(field, "must be text")
    result = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    if len(result) > max_length:
        raise FieldProblem(field, f"must be at most {max_length} characters")
    return result.strip()


def bool_value(data: dict[str, Any], key: str, field: str, *, default: bool) -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise FieldProblem(field, "must be true or false")


def list_value(data: dict[str, Any], key: str, field: str, *, max_items: int = 50) -> list[str]:
    """Tags and categories: a YAML list, or (as Jekyll allows) one string of space-separated words."""
    value = data.get(key)
    if value is None:
        return []
    items = value.split() if isinstance(value, str) else value
    if not isinstance(items, list):
        items = [items]
    if len(items) > max_items:
        raise FieldProblem(field, f"must have at most {max_items} entries")
    result: list[str] = []
    for item in items:
        if isinstance(item, (dict, list)) or item is None or isinstance(item, bool):
            raise FieldProblem(field, "must be a list of words")
        word = str(item).strip()
        if not word or len(word) > 100:
            raise FieldProblem(field, "each entry must be 1 to 100 characters")
        if word not in result:
            result.append(word)
    return result


def datetime_value(data: dict[str, Any], key: str, field: str, *, local: tzinfo = LONDON) -> datetime | None:
    """A date or time as Jekyll sites write them; a time with no zone is in the site's zone (`local`)."""
    value = data.get(key)
    if value is None or value == "":
        return None
    return to_datetime(value, field, local=local)


def is_date_only(value: object) -> bool:
    """A date with no time (`2022-07-10`, unquoted or quoted): the whole day, not its midnight."""
    if isinstance(value, datetime):
        return False
    return isinstance(value, date) or bool(isinstance(value, str) and DATE_ONLY.match(value.strip()))


def to_datetime(
    value: object, field: str, *, local: tzinfo = LONDON, now: datetime | None = None
) -> datetime:
    """As Jekyll reads a date: the text goes through Ruby's `Time.parse` in the site's zone
    (`local`), except that an unquoted YAML timestamp with a clock time and no zone is UTC (Psych)."""
    if isinstance(value, datetime):
        parsed = value if value.tzinfo is not None else value.replace(tzinfo=local)
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(), tzinfo=local)
    elif isinstance(value, str) and value.strip():
        zone = UTC if isinstance(value, rubyyaml.YamlTime) and value.clock_without_zone else local
        try:
            parsed = rubytime.time_parse(value.strip(), local=zone, now=now or datetime.now(UTC))
        except (ValueError, OverflowError) as exc:
            raise FieldProblem(field, "must be a date such as 2025-03-05 or 2025-03-05 18:30 +0100") from exc
        parsed = parsed.astimezone(local)
    else:
        raise FieldProblem(field, "must be a date such as 2025-03-05 or 2025-03-05 18:30")
    if not 1970 <= parsed.year <= 2200:
        raise FieldProblem(field, "must be a year between 1970 and 2200")
    return parsed


def email_value(data: dict[str, Any], key: str, field: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FieldProblem(field, "must be an email address")
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise FieldProblem(field, "must be an email address") from exc
