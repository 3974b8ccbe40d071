"""A site's `_config.yml` as Jekyll 4.3 reads it, and its front-matter `defaults`."""

from __future__ import annotations

import fnmatch
import glob
import os
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ruamel.yaml.error import YAMLError

from notifier.services.sources.jekyll import rubyyaml, urls
from notifier.services.sources.jekyll.yaml_limits import SITE_CONFIG, YamlLimitExceeded, read_within

DEFAULT_EXCLUDES = (
    ".sass-cache", ".jekyll-cache", "gemfiles", "Gemfile", "Gemfile.lock", "node_modules",
    "vendor/bundle/", "vendor/cache/", "vendor/gems/", "vendor/ruby/",
)  # fmt: skip
MARKDOWN_EXT = "markdown,mkdown,mkdn,mkd,md"
_TYPE_ALIASES = {"page": "pages", "post": "posts", "draft": "drafts"}


class SiteConfigError(ValueError):
    """`_config.yml` is missing or cannot be read; the message names the setting."""


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    url: str = ""
    baseurl: str = ""
    permalink: str = "date"
    collections: dict[str, dict[str, Any]] = field(default_factory=dict)
    defaults: list[dict[str, Any]] = field(default_factory=list)
    future: bool = False
    unpublished: bool = False
    timezone: tzinfo = UTC  # the site's `timezone`, else the zone of the machine reading it
    collections_dir: str = ""
    markdown_ext: tuple[str, ...] = tuple(f".{e}" for e in MARKDOWN_EXT.split(","))
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    include: tuple[str, ...] = (".htaccess",)

    @property
    def site_url(self) -> str:
        """`url` + `baseurl`: what every document URL is relative to."""
        base = "/" + self.baseurl.strip("/") if self.baseurl.strip("/") else ""
        return self.url.rstrip("/") + base

    @property
    def collections_path(self) -> Path:
        return self.root / self.collections_dir if self.collections_dir else self.root

    def url_template(self, label: str) -> str:
        meta = self.collections.get(label, {})
        template = meta.get("permalink")
        if isinstance(template, str):
            return template
        return urls.add_permalink_suffix("/:collection/:path", self.permalink)

    def writes(self, label: str) -> bool:
        return bool(self.collections.get(label, {}).get("output", False))

    def output_ext(self, extname: str) -> str:
        return ".html" if extname.lower() in self.markdown_ext else extname

    def excluded(self, relative: str) -> bool:
        """Jekyll's EntryFilter: excluded (and not included again) by the site's `exclude` globs."""
        return self.matches_exclude(relative) and not self.included(relative)

    def matches_exclude(self, relative: str) -> bool:
        return _glob_include(self.exclude, relative)

    def included(self, entry: str) -> bool:
        return _glob_include(self.include, entry)

    def defaults_for(self, relative_path: str, label: str) -> dict[str, Any]:
        """`FrontmatterDefaults#all`: every matching set merged, the more specific scope winning."""
        merged: dict[str, Any] = {}
        old_scope: dict[str, Any] | None = None
        for entry in self.defaults:
            raw_scope = entry.get("scope")
            scope: dict[str, Any] = raw_scope if isinstance(raw_scope, dict) else {}
            if not self._applies(scope, relative_path, label):
                continue
            if _has_precedence(old_scope, scope):
                merged = deep_merge(merged, entry["values"])
                old_scope = scope
            else:
                merged = deep_merge(entry["values"], merged)
        return merged

    def _applies(self, scope: dict[str, Any], path: str, label: str) -> bool:
        if "type" in scope and _TYPE_ALIASES.get(str(scope["type"]), str(scope["type"])) != label:
            return False
        wanted = scope.get("path")
        if not isinstance(wanted, str) or not wanted:
            return True
        path = _sanitize(path)
        if "*" in wanted:
            for found in glob.glob(str(self.root / wanted)):
                relative = self._strip_collections_dir(Path(found).relative_to(self.root).as_posix())
                if path.startswith(relative):
                    return True
            return False
        return path.startswith(self._strip_collections_dir(wanted))

    def _strip_collections_dir(self, path: str) -> str:
        prefix = f"{self.collections_dir}/"
        return path[len(prefix) :] if self.collections_dir and path.startswith(prefix) else path


def _sanitize(path: str | None) -> str:
    if not path:
        return ""
    return path[1:].rstrip("/") if path.startswith("/") else path


def _has_precedence(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    if old is None:
        return True
    new_path, old_path = _sanitize(new.get("path")), _sanitize(old.get("path"))
    if len(new_path) != len(old_path):
        return len(new_path) >= len(old_path)
    return "type" in new or "type" not in old


def _glob_include(patterns: tuple[str, ...], relative: str) -> bool:
    return any(fnmatch.fnmatchcase(relative, p) or relative.startswith(p) for p in patterns if p)


def deep_merge(base: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """`Utils.deep_merge_hashes`: `other` wins, a nil in `other` keeps `base`'s, hashes merge."""
    merged = dict(base)
    for key, value in other.items():
        old = merged.get(key)
        if value is None and key in merged:
            continue
        merged[key] = deep_merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return merged


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value if v is not None)
    return ()


def read_config(root: Path) -> SiteConfig:
    """The site's `_config.yml` (Jekyll's defaults where it is silent); SiteConfigError if unusable."""
    loaded = _load_settings(root)
    permalink = loaded.get("permalink") or "date"
    collections = _collections(loaded.get("collections", {}), str(permalink))
    defaults = _usable_defaults(loaded.get("defaults"))
    zone = _site_zone(loaded.get("timezone"))
    markdown = loaded.get("markdown_ext") or MARKDOWN_EXT
    return SiteConfig(
        root=root,
        url=str(loaded.get("url") or ""),
        baseurl=str(loaded.get("baseurl") or ""),
        permalink=str(permalink),
        collections=collections,
        defaults=defaults,
        future=loaded.get("future") is True,
        unpublished=loaded.get("unpublished") is True,
        timezone=zone,
        collections_dir=str(loaded.get("collections_dir") or "").strip("/"),
        markdown_ext=tuple(f".{e.strip().lower()}" for e in str(markdown).split(",")),
        exclude=tuple(dict.fromkeys((*_strings(loaded.get("exclude")), *DEFAULT_EXCLUDES))),
        include=_strings(loaded.get("include")) or (".htaccess",),
    )


def _load_settings(root: Path) -> dict[str, Any]:
    """`_config.yml` read as Ruby's YAML reads it: a mapping (empty for an empty file)."""
    path = root / "_config.yml"
    if not path.is_file():
        raise SiteConfigError(f"{root} has no _config.yml: give the site's root directory (--root)")
    try:
        loaded = rubyyaml.load(read_within(path, SITE_CONFIG), SITE_CONFIG) or {}
    except YamlLimitExceeded as exc:
        raise SiteConfigError(f"_config.yml {exc}") from exc
    except (OSError, UnicodeDecodeError, ValueError, YAMLError) as exc:
        raise SiteConfigError(f"_config.yml cannot be read: {exc}") from exc
    if not isinstance(loaded, dict):
        raise SiteConfigError("_config.yml must be a mapping of settings")
    return loaded


def _usable_defaults(raw: Any) -> list[dict[str, Any]]:
    """The `defaults` entries Jekyll can apply: mappings with a `values` mapping."""
    return [d for d in raw or [] if isinstance(d, dict) and isinstance(d.get("values"), dict)]


def _site_zone(zone_name: object) -> tzinfo:
    """The site's `timezone`; when absent, the zone of the machine reading it, as Jekyll does."""
    try:
        return ZoneInfo(str(zone_name)) if zone_name else local_zone()
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SiteConfigError(f"_config.yml: timezone {zone_name!r} is not a time zone") from exc


def local_zone() -> ZoneInfo:
    """The zone Jekyll (Ruby's `Time.local`) reads a site's dates in when `_config.yml` names none:
    the TZ environment variable, else the machine's /etc/localtime; UTC when neither names one."""
    names = [os.environ.get("TZ", "").removeprefix(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink() and "zoneinfo/" in str(localtime.resolve()):
        names.append(str(localtime.resolve()).split("zoneinfo/", 1)[1])
    for name in (n for n in names if n):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            if name == names[0]:
                return ZoneInfo("UTC")  # glibc reads an unknown TZ as UTC, and so does Ruby
    return ZoneInfo("UTC")


def _collections(raw: object, permalink: str) -> dict[str, dict[str, Any]]:
    """`add_default_collections`: a list becomes a mapping; posts always exist and are written."""
    if isinstance(raw, list):
        raw = {str(name): {} for name in raw}
    found: dict[str, dict[str, Any]] = {}
    if isinstance(raw, dict):
        for name, meta in raw.items():
            label = "".join(c for c in str(name) if c.isascii() and (c.isalnum() or c in "_-."))
            found[label] = dict(meta) if isinstance(meta, dict) else {}
    posts = found.setdefault("posts", {})
    posts["output"] = True
    posts.setdefault("permalink", urls.style_to_permalink(permalink))
    if posts["permalink"] is None:
        posts["permalink"] = urls.style_to_permalink(permalink)
    return found
