"""Jekyll front matter read the way Jekyll reads it: YAML 1.1 (Ruby's Psych), then typed values.

Every problem is a `FieldProblem` naming the field as `front_matter.<key>`, so the hook can answer
422 with the exact field and store nothing.
"""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import YAMLError

LONDON = ZoneInfo("Europe/London")
FENCE = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(.*?)(?:\r?\n)?^(?:---|\.\.\.)[ \t]*$\r?\n?", re.DOTALL | re.MULTILINE
)
_FRACTION = re.compile(r"(?<=:\d\d)\.\d+")
_OFFSET = re.compile(r"\s*([+-])(\d{2}):?(\d{2})$")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
_WORDY_FORMATS = ("%d %B %Y %H:%M", "%d %B %Y", "%d %b %Y %H:%M", "%d %b %Y", "%B %d, %Y", "%b %d, %Y")
_ZONE_NAMES = {"UTC": "+0000", "GMT": "+0000", "Z": "+0000", "BST": "+0100"}
MAX_YAML_CHARS = 64_000


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


class _DatesAsText(SafeConstructor):
    """Timestamps stay text so that a bad one (2025-13-40) is reported against its own key."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


def _yaml() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _DatesAsText
    yaml.version = (1, 1)  # Psych's YAML: yes/no/on/off are booleans, unquoted dates are dates
    yaml.allow_duplicate_keys = True  # Psych keeps going on a repeated key
    return yaml


def load_front_matter(text: str) -> dict[str, Any]:
    if len(text) > MAX_YAML_CHARS:
        raise FieldProblem("front_matter", f"is over {MAX_YAML_CHARS} characters")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ruamel warns about YAML 1.1 quirks (1e3 floats); we accept them
            loaded = _yaml().load(text)
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


def datetime_value(data: dict[str, Any], key: str, field: str) -> datetime | None:
    """A date or time as Jekyll sites write them; a time with no zone is London time."""
    value = data.get(key)
    if value is None or value == "":
        return None
    return to_datetime(value, field)


def to_datetime(value: object, field: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        parsed = _parse_date_text(value.strip(), field)
    else:
        raise FieldProblem(field, "must be a date such as 2025-03-05 or 2025-03-05 18:30")
    if not 1970 <= parsed.year <= 2200:
        raise FieldProblem(field, "must be a year between 1970 and 2200")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return parsed.replace(tzinfo=LONDON)
    return parsed


def _parse_date_text(text: str, field: str) -> datetime:
    text = _FRACTION.sub("", text)
    offset = None
    for name, numeric in _ZONE_NAMES.items():
        if text.upper().endswith(" " + name) or (name == "Z" and text.upper().endswith("Z")):
            text, offset = text[: -len(name)].strip(), numeric
            break
    if offset is None and (match := _OFFSET.search(text)) and len(text) > 10:
        text, offset = text[: match.start()].strip(), "".join(match.groups())
    for fmt in _DATE_FORMATS + _WORDY_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)  # noqa: DTZ007 - the zone is added by the caller
        except ValueError:
            continue
        if offset is not None:
            return datetime.strptime(f"{parsed:%Y-%m-%d %H:%M:%S} {offset}", "%Y-%m-%d %H:%M:%S %z")
        return parsed
    raise FieldProblem(field, "must be a date such as 2025-03-05 or 2025-03-05 18:30 +0100")


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
