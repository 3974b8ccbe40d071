"""The documents of a Jekyll site (`_posts`, `*/_posts` and every collection) read as Jekyll reads them.

For each document: its data (defaults under front matter, categories merged from the path, the
defaults, `category` and `categories`; tags from `tag`/`tags`), its date (front matter, else the
file name, through Ruby's `Time.parse`), its URL, and whether Jekyll writes it (`output`,
`published`, `future`). Problems Jekyll would stop on (unreadable YAML, a date `Time.parse`
refuses, an unknown permalink placeholder) are kept on the document, not raised.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml.error import YAMLError

from notifier.services.sources.jekyll import rubytime, rubyyaml, urls
from notifier.services.sources.jekyll.config import SiteConfig, deep_merge
from notifier.services.sources.jekyll.yaml_limits import YamlLimitExceeded

FRONT_MATTER = re.compile(r"\A(---\s*\n.*?\n?)^((---|\.\.\.)\s*$\n?)", re.MULTILINE | re.DOTALL)
HAS_HEADER = re.compile(r"\A---\s*\r?\n")
DATE_NAME = re.compile(r"^(?:.*/)?(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^.]+)$")
DATELESS_NAME = re.compile(r"^(?:.+/)*(.*)(\.[^.]+)$")
_SPECIAL = (".", "_", "#", "~")
# Far above any page the publish hook takes (its body is at most 256 KiB), so only a file that could
# never be posted is left unread.
MAX_DOCUMENT_BYTES = 1024 * 1024


@dataclass
class Document:
    path: Path
    relative_path: str  # from the collections directory, as Jekyll reports it
    collection: str
    front_matter: str = ""  # the YAML text between the --- lines
    body: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    date: datetime | None = None  # None: no date in the front matter or the file name
    url: str = ""  # the path on the site, as Jekyll's `page.url`
    absolute_url: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, what Jekyll would say)
    title_from_file_name: bool = False  # Jekyll made `title` from the file name: no title was written
    title_from_defaults: bool = False  # the title came from `defaults`, not from the file

    @property
    def published(self) -> bool:
        return self.data.get("published") is not False

    @property
    def categories(self) -> list[str]:
        return _unique([ruby_to_s(c) for c in _array(self.data.get("categories"))])

    @property
    def tags(self) -> list[str]:
        return [ruby_to_s(t) for t in _array(self.data.get("tags"))]


def ruby_to_s(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return str(value)


def _array(value: object) -> list[Any]:
    """Ruby's `Array(value)`."""
    if value is None:
        return []
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return [[k, v] for k, v in value.items()]
    return [value]


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if not any(value == s and type(value) is type(s) for s in seen):
            seen.append(value)
    return seen


def _pluralized(data: dict[str, Any], singular: str, plural: str) -> list[Any]:
    """`Utils.pluralized_array_from_hash`: the singular key as one value, else the plural one."""
    value = data.get(singular)
    if value is None or value is False:
        many = data.get(plural)
        value = (
            many.split()
            if isinstance(many, str)
            else [v for v in many if v is not None]
            if isinstance(many, list)
            else None
        )
    flat: list[Any] = []
    stack = [value]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[:0] = item
        elif item is not None:
            flat.append(item)
    return flat


class _ReadError(ValueError):
    """What makes Jekyll log "could not read file" and keep the document without its front matter;
    `jekyll_fails` False: Jekyll would read it, but it is over one of this reader's limits."""

    def __init__(self, message: str, *, jekyll_fails: bool = True) -> None:
        super().__init__(message)
        self.jekyll_fails = jekyll_fails


class _Reader:
    def __init__(self, config: SiteConfig, now: datetime) -> None:
        self.config = config
        self.now = now

    def merge(self, doc: Document, other: dict[str, Any], source: str) -> None:
        """`Document#merge_data!`: categories unite, hashes deep-merge, the date is re-read."""
        other = dict(other)
        cats = other.get("categories")
        if cats is not None:
            if isinstance(cats, str):
                cats = cats.split()
            if isinstance(doc.data.get("categories"), list):
                if not isinstance(cats, list):  # Ruby: Array | Integer is a TypeError
                    raise _ReadError(f"categories must be a list or words, not {ruby_to_s(cats)!r}")
                cats = _unique(doc.data["categories"] + cats)
            other["categories"] = cats
        doc.data = deep_merge(doc.data, other)
        if "date" in doc.data and not isinstance(doc.data["date"], datetime):
            value = doc.data["date"]
            try:
                doc.data["date"] = self.parse_date(value)
            except ValueError:
                del doc.data["date"]
                doc.problems.append(("date", f"Jekyll cannot read the date {ruby_to_s(value)!r} ({source})"))

    def parse_date(self, value: object) -> datetime:
        text = ruby_to_s(value).strip()
        utc = isinstance(value, rubyyaml.YamlTime) and value.clock_without_zone
        zone = UTC if utc else self.config.timezone
        parsed = rubytime.time_parse(text, local=zone, now=self.now)
        return parsed.astimezone(self.config.timezone)

    def read(self, path: Path, label: str) -> Document | None:
        with path.open("rb") as handle:
            raw = handle.read(MAX_DOCUMENT_BYTES + 1)
        if not HAS_HEADER.match(raw.decode("utf-8", "replace")):
            return None  # a static file, not a document
        text = raw.decode("utf-8-sig", "replace")
        relative = path.relative_to(self.config.collections_path).as_posix()
        doc = Document(path=path, relative_path=relative, collection=label)
        self.merge(doc, {"categories": self._categories_from_path(relative, label)}, "file path")
        defaults = self.config.defaults_for(relative, label)
        if defaults:
            self.merge(doc, defaults, "front matter defaults")
        titled_by_defaults = bool(doc.data.get("title"))
        match = FRONT_MATTER.match(text)
        try:
            if len(raw) > MAX_DOCUMENT_BYTES:
                over = f"the file is over {MAX_DOCUMENT_BYTES} bytes (the limit)"
                raise _ReadError(over, jekyll_fails=False)
            if match is not None:
                doc.front_matter = match.group(1).split("\n", 1)[1] if "\n" in match.group(1) else ""
                doc.body = text[match.end() :]
                loaded = self._load(match.group(1))
                if isinstance(loaded, dict):
                    self.merge(doc, loaded, "YAML front matter")
                    titled_by_defaults = titled_by_defaults and not loaded.get("title")
            doc.title_from_defaults = titled_by_defaults
            self._post_data(doc)
        except _ReadError as exc:  # Jekyll logs it and keeps the page, without what was not read
            said = f"Jekyll cannot read it: {exc}" if exc.jekyll_fails else str(exc)
            doc.problems.append(("front_matter", said))
            doc.title_from_file_name = not doc.data.get("title")
        self._url(doc)
        return doc

    @staticmethod
    def _load(text: str) -> Any:
        try:
            return rubyyaml.load(text)
        except YamlLimitExceeded as exc:
            raise _ReadError(f"the YAML {exc}", jekyll_fails=False) from exc
        except (YAMLError, ValueError) as exc:
            detail = getattr(exc, "problem", None) or type(exc).__name__
            raise _ReadError(f"the YAML is not valid ({detail})") from exc

    def _categories_from_path(self, relative: str, label: str) -> list[str]:
        special = f"_{label}"
        if relative.startswith(special):
            return []
        above = re.sub(f"{re.escape(special)}.*", "", relative, count=1, flags=re.DOTALL)
        base = relative.rsplit("/", 1)[-1]
        return [c for c in above.split("/") if c and c not in {special, base}]

    def _post_data(self, doc: Document) -> None:
        """`populate_title`, `populate_categories` and `populate_tags`."""
        if match := DATE_NAME.match(doc.relative_path):
            name_date, slug = match.group(1), match.group(2)
            if not doc.data.get("date"):
                self.merge(doc, {"date": name_date}, "filename")
        elif match := DATELESS_NAME.match(doc.relative_path):
            slug = match.group(1)
        else:
            slug = doc.path.name.rsplit(".", 1)[0] if "." in doc.path.name[1:] else doc.path.name
        slug = slug.rstrip(".")
        if not doc.data.get("title"):
            doc.data["title"] = " ".join(w.capitalize() for w in slug.split("-"))
            doc.title_from_file_name = True
        if not doc.data.get("slug"):
            doc.data["slug"] = slug
        date = doc.data.get("date")
        doc.date = date if isinstance(date, datetime) else None
        cats = _array(doc.data.get("categories")) + _pluralized(doc.data, "category", "categories")
        self.merge(doc, {"categories": _unique([ruby_to_s(c) for c in cats])}, "categories")
        self.merge(doc, {"tags": _pluralized(doc.data, "tag", "tags")}, "tags")

    def _url(self, doc: Document) -> None:
        permalink = doc.data.get("permalink")
        template = (
            permalink
            if isinstance(permalink, str) and permalink
            else self.config.url_template(doc.collection)
        )
        extname = os.path.splitext(doc.path.name)[1]
        output_ext = self.config.output_ext(extname)
        if isinstance(permalink, str) and permalink and not permalink.endswith("/"):
            output_ext = os.path.splitext(permalink)[1] or output_ext
        stem = doc.relative_path[: len(doc.relative_path) - len(extname)] if extname else doc.relative_path
        path = stem.replace(f"_{doc.collection}", "", 1).rstrip(".")
        values = urls.placeholders(
            collection=doc.collection,
            path=path,
            basename=os.path.splitext(doc.path.name)[0],
            slug=ruby_to_s(doc.data["slug"]) if doc.data.get("slug") is not None else None,
            categories=[ruby_to_s(c) for c in _array(doc.data.get("categories"))],
            date=(doc.date or self.now).astimezone(self.config.timezone),
            output_ext=output_ext,
        )
        try:
            doc.url = urls.expand(template, values)
        except urls.PermalinkError as exc:
            doc.problems.append(("permalink", str(exc)))
            return
        doc.absolute_url = self.config.site_url + doc.url

    def written(self, doc: Document) -> tuple[bool, str]:
        """Whether Jekyll writes the page, and if not, why."""
        if not self.config.writes(doc.collection):
            return False, f"the {doc.collection} collection has no output (output: true in _config.yml)"
        if not doc.published and not self.config.unpublished:
            return False, "published: false"
        if doc.date is not None and doc.date > self.now and not self.config.future:
            return False, f"dated in the future ({doc.date:%Y-%m-%d %H:%M}); Jekyll builds it from then"
        return True, ""


def _special(name: str) -> bool:
    return name.startswith(_SPECIAL)


def _entries(config: SiteConfig, directory: Path, base: str, *, dotfiles: bool) -> list[Path]:
    """Files under `directory` that Jekyll's EntryFilter keeps. `base` is what Jekyll puts before an
    entry to match `exclude`: `_events` for a collection (even under `collections_dir`), the
    directory from the site's root for `_posts`."""
    found: list[Path] = []
    for current, dirs, files in os.walk(directory):
        here = Path(current)
        dirs.sort()
        for name in sorted(files):
            path = here / name
            entry = path.relative_to(directory).as_posix()
            if entry.endswith(".") or (not dotfiles and any(p.startswith(".") for p in entry.split("/"))):
                continue
            included = config.included(entry) or config.included(name)
            if (config.matches_exclude(f"{base}/{entry}") and not included) or path.is_symlink():
                continue
            if included or not (_special(entry) or _special(name) or entry.endswith("~")):
                found.append(path)
    return found


def _post_dirs(config: SiteConfig) -> list[Path]:
    """Every `_posts` directory Jekyll reads: the root's and those of directories it walks into."""
    start = config.collections_path
    found = [start / "_posts"] if (start / "_posts").is_dir() else []
    for current, dirs, _files in os.walk(start):
        here = Path(current)
        dirs[:] = sorted(
            d
            for d in dirs
            if not _special(d) and not config.excluded((here / d).relative_to(config.root).as_posix())
        )
        found.extend(here / d / "_posts" for d in dirs if (here / d / "_posts").is_dir())
    return found


def read_documents(config: SiteConfig, *, now: datetime) -> list[Document]:
    """Every document of every collection (posts first), in file order."""
    reader = _Reader(config, now)
    docs: list[Document] = []
    for label in config.collections:
        if label == "posts":
            for directory in _post_dirs(config):
                base = directory.relative_to(config.root).as_posix()
                for path in _entries(config, directory, base, dotfiles=False):
                    if DATE_NAME.match(path.name) and (doc := reader.read(path, "posts")):
                        docs.append(doc)
            continue
        directory = config.collections_path / f"_{label}"
        if directory.is_dir():
            found = _entries(config, directory, f"_{label}", dotfiles=True)
            docs.extend(d for p in found if (d := reader.read(p, label)))
    return docs


def written(config: SiteConfig, doc: Document, *, now: datetime) -> tuple[bool, str]:
    return _Reader(config, now).written(doc)
