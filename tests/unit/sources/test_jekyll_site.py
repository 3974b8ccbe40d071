"""notifier reads a Jekyll site exactly as Jekyll 4.3 does, with Jekyll itself as the oracle.

The fixture site (`tests/fixtures/jekyll_sites/messy`) has per-collection permalinks, defaults by
path and type, relative and absolute front-matter permalinks, file names with spaces, en dashes,
curly quotes and punctuation, repeated keys, tabs, odd dates, `category`/`categories`, future and
unpublished pages. Each test copies it, changes what it is about, and compares every document's
URL, date, published state, categories and tags with what Jekyll makes of the same files.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from notifier.services.sources.jekyll.config import read_config
from notifier.services.sources.jekyll.documents import read_documents
from tests.support.jekyll import jekyll_documents

pytestmark = pytest.mark.dates

MESSY = Path(__file__).parents[2] / "fixtures" / "jekyll_sites" / "messy"
FIELDS = ("collection", "url", "date", "published", "categories", "tags")


def notifier_reading(root: Path) -> dict[str, dict[str, Any]]:
    now = datetime.now(UTC)
    config = read_config(root)
    found: dict[str, dict[str, Any]] = {}
    for doc in read_documents(config, now=now):
        if doc.collection == "posts" and doc.date and doc.date > now and not config.future:
            continue  # Jekyll's reader leaves future posts out altogether
        found[doc.relative_path] = {
            "collection": doc.collection,
            "url": doc.url,
            "date": doc.date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if doc.date else None,
            "published": doc.published,
            "categories": doc.categories,
            "tags": doc.tags,
        }
    return found


def jekyll_reading(root: Path, tz: str = "Europe/London") -> dict[str, dict[str, Any]]:
    return {d["path"]: {k: d[k] for k in FIELDS} for d in jekyll_documents(root, tz=tz)}


def site_copy(tmp_path: Path, **config: str) -> Path:
    root = tmp_path / "site"
    shutil.copytree(MESSY, root)
    text = (root / "_config.yml").read_text(encoding="utf-8")
    for key, value in config.items():
        text = re.sub(rf"(?m)^{key}:.*$", f"{key}: {value}", text)
    (root / "_config.yml").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("tz", ["UTC", "Europe/London"])
def test_the_messy_site_reads_as_jekyll_reads_it(
    tmp_path: Path, tz: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", tz)
    root = site_copy(tmp_path)
    ours, theirs = notifier_reading(root), jekyll_reading(root, tz)
    assert ours == theirs
    assert len(ours) >= 20
    # What the sites in the issue got wrong, spelled out:
    assert ours["_posts/2025-03-05-spring forum.md"]["url"] == "/blog/staff/news/2025/03/05/spring-forum/"
    assert ours["_posts/2025-04-02-duplicate-keys.md"]["published"] is False
    assert ours["_posts/2022-07-07-odd-date.md"]["date"] == "2022-07-06T23:00:00Z"
    assert ours["_events/agm 2025.md"]["url"] == "/events/agm%202025/"
    assert "_events/_hidden.md" not in ours and "_posts/not-a-post.md" not in ours


@pytest.mark.parametrize("tz", ["UTC", "Europe/London", "America/Los_Angeles"])
def test_without_a_timezone_the_site_is_read_in_the_zone_of_the_machine_reading_it(
    tmp_path: Path, tz: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jekyll reads dates in the local zone (TZ, else the system's) when _config.yml names none."""
    monkeypatch.setenv("TZ", tz)
    root = site_copy(tmp_path)
    config = (root / "_config.yml").read_text(encoding="utf-8")
    (root / "_config.yml").write_text(config.replace("timezone: Europe/London\n", ""), encoding="utf-8")
    ours = notifier_reading(root)
    assert ours == jekyll_reading(root, tz)
    written = ours["_posts/2025-03-05-spring forum.md"]["date"]
    midnight = {"UTC": "2025-03-05T00:00:00Z", "Europe/London": "2025-03-05T00:00:00Z"}
    assert written == midnight.get(tz, "2025-03-05T08:00:00Z")


@pytest.mark.parametrize(
    "permalink",
    [
        "date",
        "pretty",
        "ordinal",
        "none",
        "weekdate",
        "/:categories/:year/:title:output_ext",
        "/:year/:month/:day/:title/",
        "/:slugified_categories/:i_month-:i_day/:slug/",
        "/:collection/:short_year/:short_month/:long_day/:name",
        "/:w_year/:week/:w_day/:hour:minute:second/:path/",
    ],
)
def test_every_permalink_style_agrees(tmp_path: Path, permalink: str) -> None:
    root = site_copy(tmp_path, permalink=f'"{permalink}"')
    assert notifier_reading(root) == jekyll_reading(root)


def test_collection_defaults_and_a_site_in_utc(tmp_path: Path) -> None:
    root = site_copy(tmp_path, timezone="UTC", baseurl='""')
    config = (root / "_config.yml").read_text(encoding="utf-8")
    config = config.replace(
        "permalink: /news/:year/:month/:title/", "permalink: /:collection/:categories/:title"
    )
    (root / "_config.yml").write_text(config, encoding="utf-8")
    assert notifier_reading(root) == jekyll_reading(root)


def test_collections_dir_and_exclude(tmp_path: Path) -> None:
    root = site_copy(tmp_path)
    (root / "collections").mkdir()
    for folder in ("_posts", "_news", "_archives", "_events", "_minutes", "staff"):
        shutil.move(root / folder, root / "collections" / folder)
    config = (root / "_config.yml").read_text(encoding="utf-8")
    config = config.replace('path: "_archives/2019"', 'path: "collections/_archives/2019"')
    # Jekyll matches a collection's files against `exclude` as `_events/...`, even in collections_dir.
    config = config.replace("exclude:\n", 'collections_dir: collections\nexclude:\n  - "_events/notes.txt"\n')
    (root / "_config.yml").write_text(config, encoding="utf-8")
    ours = notifier_reading(root)
    assert ours == jekyll_reading(root)
    assert "_events/notes.txt" not in ours and ours["_archives/2019/old post.md"]["published"] is False
