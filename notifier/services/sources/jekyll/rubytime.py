"""Ruby's `Time.parse` (`Date._parse` plus `Time.local`), as Jekyll applies it to every `date`.

`Date._parse` is a scanner, not a format list: it blanks out a weekday, then a time (with an
optional zone), then the first date form it recognises (`5 March 2025`, `March 5, 2025`,
`2025-03-05`, `05/03/2025`, `2025.03.05`, `20250305`), and ignores what is left. So
`2022-07-07T00:00:00.00ZT16:12:42.537Z` is midnight local time on 7 July 2022 (the `Z` is glued to
the `T` that follows, so it is no zone). Missing leading parts come from `now`; a day past the
month's end rolls over (30 February is 2 March), as `Time.local` does. Only the forms Ruby accepts
are accepted; anything else raises `ValueError`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from fractions import Fraction
from typing import Any

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MON = "(" + "|".join(_MONTHS) + ")"
_DAYS = "(sun|mon|tue|wed|thu|fri|sat)"
_ERA = r"(c(?:e|\.e\.)|b(?:ce|\.c\.e\.)|a(?:d|\.d\.)|b(?:c|\.c\.))?"
_I = re.IGNORECASE
_CLEAN = re.compile(r"[^-+',./:@0-9A-Za-z\[\]\u0080-\U0010ffff]+")
_DAY = re.compile(r"\b" + _DAYS + r"[^-/\d\s]*", _I)
_TIME = re.compile(
    r"((?:\d+\s*(?::\s*\d+(?:\s*:\s*\d+(?:[,.]\d*)?)?|h(?:\s*\d+m?(?:\s*\d+s?)?)?)"
    r"(?:\s*[ap](?:m\b|\.m\.))?|\d+\s*[ap](?:m\b|\.m\.)))"
    r"(?:\s*((?:gmt|utc?)?[-+]\d+(?:[,.:]\d+(?::\d+)?)?|(?-i:[A-Za-z]+)(?:\sdst)?\b))?",
    _I,
)
_TIME_PARTS = re.compile(
    r"\A(\d+)h?(?:\s*:?\s*(\d+)m?(?:\s*:?\s*(\d+)(?:[,.](\d+))?s?)?)?(?:\s*([ap])(?:m\b|\.m\.))?", _I
)
_EU = re.compile(
    r"'?\b(\d+)[^-\d\s']*\s*" + _MON + r"[^-\d\s']*"
    r"(?:\s*" + _ERA + r"\s*('?-?\d+(?:(?:st|nd|rd|th)\b)?))?",
    _I,
)
_US = re.compile(r"\b" + _MON + r"[^-\d\s']*\s*('?\d+)[^-\d\s']*(?:\s*,?\s*" + _ERA + r"\s*('?-?\d+))?", _I)
_ISO = re.compile(r"('?[-+]?\d+)-(\d+)-('?-?\d+)")
_SLA = re.compile(r"('?-?\d+)/\s*('?\d+)(?:\D\s*('?-?\d+))?")
_DOT = re.compile(r"('?-?\d+)\.\s*('?\d+)\.\s*('?-?\d+)")
_YEAR = re.compile(r"'(\d+)\b")
_MON_ALONE = re.compile(r"\b" + _MON + r"\S*", _I)
_MDAY = re.compile(r"(\d+)(st|nd|rd|th)\b", _I)
_DDD = re.compile(r"([-+]?)(\d{2,14})(?:\s*t?\s*(\d{2,6})?(?:[,.](\d*))?)?(?:\s*(z\b|[-+]\d{1,4}\b))?", _I)

# Ruby's zone table, the part a UK network's site could plausibly write (offsets in hours).
_ZONES: dict[str, float] = {
    "utc": 0, "ut": 0, "gmt": 0, "z": 0, "wet": 0, "bst": 1, "west": 1, "cet": 1, "cest": 2, "met": 1,
    "mest": 2, "eet": 2, "eest": 3, "ist": 5.5, "jst": 9, "est": -5, "edt": -4, "cst": -6, "cdt": -5,
    "mst": -7, "mdt": -6, "pst": -8, "pdt": -7, "akst": -9, "akdt": -8, "hst": -10, "aest": 10,
    "aedt": 11, "nzst": 12, "nzdt": 13,
}  # fmt: skip
_ZONES.update({chr(ord("a") + i): i + 1 for i in range(9)})  # military A..I = +1..+9
_ZONES.update({"k": 10, "l": 11, "m": 12})
_ZONES.update({chr(ord("n") + i): -(i + 1) for i in range(12)})  # N..Y = -1..-12


class _Hash(dict[str, Any]):
    pass


def _blank(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]


def zone_offset(zone: str) -> int | None:
    """Seconds east of UTC for a zone as `Date._parse` reads it; None when Ruby does not know it."""
    name = zone.strip().lower()
    dst = name.endswith(" dst")
    if dst:
        name = name[:-4].strip()
    if name in _ZONES:
        return int(_ZONES[name] * 3600) + (3600 if dst else 0)
    numeric = re.fullmatch(r"(?:gmt|utc?)?([-+])(\d+)(?:([,.:])(\d+)(?::(\d+))?)?", name)
    if numeric is None:
        return None
    sign = -1 if numeric.group(1) == "-" else 1
    hours, sep, rest, secs = numeric.group(2), numeric.group(3), numeric.group(4), numeric.group(5)
    if sep == ":":
        total = int(hours) * 3600 + int(rest) * 60 + int(secs or 0)
    elif sep in {",", "."}:
        total = int(Fraction(f"{hours}.{rest}") * 3600)
    elif len(hours) <= 2:
        total = int(hours) * 3600
    elif len(hours) <= 4:
        total = int(hours[:-2]) * 3600 + int(hours[-2:]) * 60
    else:
        total = int(hours[:-4]) * 3600 + int(hours[-4:-2]) * 60 + int(hours[-2:])
    return sign * total


def _s3e(found: _Hash, y: str | None, m: str | None, d: str | None) -> None:
    """Ruby's s3e: which of three numbers is the year, month and day."""
    y, m, d = _year_month_day(y, m, d)
    if y is not None:
        _store_year(found, y)
    if (mon := _first_number(m)) is not None:
        found["mon"] = mon
    if (mday := _first_number(d)) is not None:
        found["mday"] = mday


def _year_month_day(y: str | None, m: str | None, d: str | None) -> tuple[str | None, str | None, str | None]:
    """s3e's swaps, in its order: the texts given as year, month and day, as they turn out to be."""
    if y is not None and m is not None and d is None:
        y, m, d = d, y, m
    if y is None and _looks_like_year(d):
        y, d = d, None
    if y is not None and (day := _day_written_as_year(y)) is not None:
        y, d = d, day
    if _looks_like_year(m):
        y, m, d = m, d, y
    if _looks_like_year(d):
        y, d = d, y
    return y, m, d


def _looks_like_year(text: str | None) -> bool:
    """Longer than two characters, or with a `'` (Ruby's mark for a year) in front."""
    return text is not None and (text.startswith("'") or len(text) > 2)


def _day_written_as_year(y: str) -> str | None:
    """A year with something after its digits (`5th`) is a day: its text from the digits on."""
    digits = re.match(r"[^-+\d]*([-+]?\d+)(.*)", y)
    if digits and digits.group(2):
        return digits.group(1) + digits.group(2)
    return None


def _store_year(found: _Hash, y: str) -> None:
    """The year, and whether it is a two-digit one to complete (`_comp`): no `'`, no sign."""
    match = re.match(r"[^-+'\d]*('?)([-+]?)(\d+)", y)
    if match:
        found["year"] = int(match.group(2) + match.group(3))
        found["_comp"] = not (match.group(1) or match.group(2) or len(match.group(3)) > 2)


def _first_number(text: str | None) -> int | None:
    match = re.search(r"\d+", text) if text is not None else None
    return int(match.group()) if match else None


def _month(name: str) -> str:
    return str(_MONTHS.index(name[:3].lower()) + 1)


def _parse_time(text: str, found: _Hash) -> str:
    match = _TIME.search(text)
    if match is None:
        return text
    parts = _TIME_PARTS.match(match.group(1))
    if parts is not None:
        hour = int(parts.group(1))
        if parts.group(5):
            hour = hour % 12 + (12 if parts.group(5).lower() == "p" else 0)
        found["hour"] = hour
        if parts.group(2):
            found["min"] = int(parts.group(2))
        if parts.group(3):
            found["sec"] = int(parts.group(3))
        if parts.group(4) is not None:
            found["sec_fraction"] = Fraction(int(parts.group(4) or 0), 10 ** len(parts.group(4)))
    if match.group(2):
        found["zone"] = match.group(2)
        found["offset"] = zone_offset(match.group(2))
    return _blank(text, match)


def _parse_dates(text: str, found: _Hash) -> None:
    if match := _EU.search(text):
        _s3e(found, match.group(4), _month(match.group(2)), match.group(1))
    elif match := _US.search(text):
        _s3e(found, match.group(4), _month(match.group(1)), match.group(2))
    elif (match := _ISO.search(text)) or (match := _SLA.search(text)) or (match := _DOT.search(text)):
        _s3e(found, match.group(1), match.group(2), match.group(3))
    elif match := _YEAR.search(text):
        found["year"] = int(match.group(1))
    elif match := _MON_ALONE.search(text):
        found["mon"] = int(_month(match.group(1)))
    elif match := _MDAY.search(text):
        found["mday"] = int(match.group(1))
    elif match := _DDD.search(text):
        _ddd(match, found)


def _ddd(match: re.Match[str], found: _Hash) -> None:
    """Runs of digits: yyyymmdd, yymmdd, mmdd..., with an optional hhmmss after them."""
    digits = match.group(2)
    n = len(digits)
    if n == 2:
        found["mday"] = int(digits)
    elif n == 4:
        found["mon"], found["mday"] = int(digits[:2]), int(digits[2:])
    elif n == 6:
        found["year"], found["mon"], found["mday"] = int(digits[:2]), int(digits[2:4]), int(digits[4:])
        found["_comp"] = True
    elif n in {8, 10, 12, 14}:
        found["year"], found["mon"], found["mday"] = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
        rest = digits[8:]
        for key, start in (("hour", 0), ("min", 2), ("sec", 4)):
            if len(rest) > start:
                found[key] = int(rest[start : start + 2])
    else:
        raise ValueError(f"no time information in {match.group(0)!r}")
    if match.group(3):
        clock = match.group(3)
        for key, start in (("hour", 0), ("min", 2), ("sec", 4)):
            if len(clock) > start:
                found[key] = int(clock[start : start + 2])
    if match.group(5):
        found["zone"], found["offset"] = match.group(5), zone_offset(match.group(5))


def date_parse(text: str) -> dict[str, Any]:
    """What Ruby's `Date._parse(text, true)` finds in `text` (year, mon, mday, hour, min, sec...)."""
    found = _Hash()
    work = _CLEAN.sub(" ", text)
    if match := _DAY.search(work):
        work = _blank(work, match)
    work = _parse_time(work, found)
    _parse_dates(work, found)
    if found.pop("_comp", False) and isinstance(year := found.get("year"), int) and 0 <= year <= 99:
        found["year"] = year + (1900 if year >= 69 else 2000)
    return dict(found)


def time_parse(text: str, *, local: tzinfo, now: datetime) -> datetime:
    """Ruby's `Time.parse(text)` in a process whose local zone is `local`; ValueError if Ruby refuses."""
    found = date_parse(text)
    keys = ("year", "mon", "mday", "hour", "min", "sec", "sec_fraction")
    if not any(key in found for key in keys):
        raise ValueError(f"no time information in {text!r}")
    now = now.astimezone(local)
    fill = dict(zip(keys[:5], (now.year, now.month, now.day, now.hour, now.minute), strict=True))
    for key in keys[:5]:
        if key in found:
            break
        found[key] = fill[key]
    year, mon, mday = int(found["year"]), int(found.get("mon", 1)), int(found.get("mday", 1))
    hour, minute, sec = int(found.get("hour", 0)), int(found.get("min", 0)), int(found.get("sec", 0))
    fraction = Fraction(found.get("sec_fraction", 0))
    if not (1 <= mon <= 12 and 1 <= mday <= 31 and 0 <= hour <= 24 and 0 <= minute <= 59 and 0 <= sec <= 60):
        raise ValueError("argument out of range")
    if hour == 24 and (minute or sec):
        raise ValueError("argument out of range")
    micro = int(fraction * 1_000_000)
    wall = datetime(year, mon, 1)  # noqa: DTZ001 - a wall-clock time, given its zone below
    wall += timedelta(days=mday - 1, hours=hour, minutes=minute, seconds=sec)
    wall += timedelta(microseconds=micro)
    offset = found.get("offset")
    if isinstance(offset, int):
        return wall.replace(tzinfo=timezone(timedelta(seconds=offset))).astimezone(local)
    return _localise(wall, local)


def _localise(wall: datetime, local: tzinfo) -> datetime:
    """A wall-clock time in `local` as Ruby's `Time.local` resolves it (a gap moves forward)."""
    aware = wall.replace(tzinfo=local, fold=1)  # an hour that happens twice: Ruby takes the second
    roundtrip = aware.astimezone(UTC).astimezone(local)
    if roundtrip.replace(tzinfo=None) != wall:  # in the spring-forward gap
        return (wall + timedelta(hours=1)).replace(tzinfo=local)
    return aware
