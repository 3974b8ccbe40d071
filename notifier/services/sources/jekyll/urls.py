"""Jekyll's URLs: permalink styles, URL templates and their placeholders, slugs, escaping.

Mirrors `Jekyll::URL`, `Jekyll::Drops::UrlDrop`, `Utils.slugify` and `Utils.add_permalink_suffix`
of Jekyll 4.3; `tests/unit/sources/test_jekyll_site.py` holds the reading against Jekyll itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote

STYLES = {
    "none": "/:categories/:title:output_ext",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
}
_PRETTY_KEEP = set("._~!$&'()+,;=@")
_PLACEHOLDER = re.compile(r":([a-z_]+)")
_PLAIN = re.compile(r"^[a-zA-Z0-9./-]+$")
_URL_SAFE = "-._~!$&'()*+,;=:@/?"


class PermalinkError(ValueError):
    """A permalink template names a placeholder Jekyll does not have (Jekyll stops the build)."""


def style_to_permalink(style: str) -> str:
    """The site's `permalink:` as a template: a style name (`date`, `pretty`...) or the template itself."""
    return STYLES.get(style, style)


def add_permalink_suffix(template: str, style: str) -> str:
    """`/:collection/:path` given the ending of the site's permalink style, as Jekyll does for collections."""
    if style == "pretty":
        return template + "/"
    if style in {"date", "ordinal", "none"}:
        return template + ":output_ext"
    return (
        template
        + ("/" if style.endswith("/") else "")
        + (":output_ext" if style.endswith(":output_ext") else "")
    )


def _keep(char: str, pretty: bool) -> bool:
    category = unicodedata.category(char)
    if category[0] in {"L", "M"} or category == "Nd":
        return True
    return pretty and char in _PRETTY_KEEP


def slugify(text: str | None, *, mode: str = "default", cased: bool = False) -> str | None:
    """Jekyll's `Utils.slugify` for the `default` and `pretty` modes (the ones URLs use)."""
    if text is None:
        return None
    out: list[str] = []
    for char in text:
        if _keep(char, mode == "pretty"):
            out.append(char)
        elif not out or out[-1] != "-":  # a run of other characters becomes one hyphen
            out.append("-")
    slug = "".join(out).removeprefix("-").removesuffix("-")
    return slug if cased else slug.lower()


def escape_path(value: str) -> str:
    """`Jekyll::URL.escape_path`: Addressable's encoding of a path, `#` as %23."""
    if not value or _PLAIN.match(value):
        return value
    return quote(value, safe=_URL_SAFE)


def sanitize_url(url: str) -> str:
    """A leading slash, no `..`, no `./`, no repeated slashes."""
    result = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", result)


def placeholders(
    *,
    collection: str,
    path: str,
    basename: str,
    slug: str | None,
    categories: list[str],
    date: datetime,
    output_ext: str,
) -> dict[str, str]:
    """The values of a document's URL placeholders (`Jekyll::Drops::UrlDrop`); `date` in the site's zone."""
    title = slugify(slug, mode="pretty", cased=True) or slugify(basename, mode="pretty", cased=True) or ""
    unique: list[str] = []
    for category in categories:
        lowered = str(category).lower()
        if lowered not in unique:
            unique.append(lowered)
    slugged: list[str] = []
    for category in categories:
        value = slugify(str(category)) or ""
        if value not in slugged:
            slugged.append(value)
    return {
        "collection": collection,
        "path": path,
        "name": slugify(basename) or "",
        "title": title,
        "slug": slugify(slug) or slugify(basename) or "",
        "categories": "/".join(unique),
        "slugified_categories": "/".join(slugged),
        "output_ext": output_ext,
        "year": f"{date:%Y}",
        "month": f"{date:%m}",
        "day": f"{date:%d}",
        "hour": f"{date:%H}",
        "minute": f"{date:%M}",
        "second": f"{date:%S}",
        "i_day": str(date.day),
        "i_month": str(date.month),
        "short_month": f"{date:%b}",
        "long_month": f"{date:%B}",
        "short_year": f"{date:%y}",
        "w_year": str(date.isocalendar().year),
        "week": f"{date.isocalendar().week:02d}",
        "w_day": str(date.isoweekday()),
        "short_day": f"{date:%a}",
        "long_day": f"{date:%A}",
        "y_day": f"{date:%j}",
    }


def expand(template: str, values: Mapping[str, str]) -> str:
    """`Jekyll::URL#generate_url_from_drop` then `sanitize_url`."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        pool = [name, name[:-1]] if name.endswith("_") else [name]
        winner = next((key for key in pool if key in values), None)
        if winner is None:
            raise PermalinkError(f"the permalink has no :{' or :'.join(pool)} placeholder")
        rest = name[len(winner) :]
        return escape_path(values[winner]) + rest

    return sanitize_url(_PLACEHOLDER.sub(replace, template))
