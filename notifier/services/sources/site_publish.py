"""What `notifier hook post` and `connect` do with a Jekyll site: read it as Jekyll does, pick the
pages (all, the ones named, or the ones changed since a git revision), and make each one's entry
of the page list: where it is, its content hash, and what its email needs, never its body (the body
is summarised here, so a page of any size makes an entry of at most a few kilobytes).

Pages Jekyll does not write (`published: false`, dated in the future, a collection without
`output: true`) are ignored here with the reason, and pages that cannot make an email (no title, no
URL, front matter over the limit) are refused here, so only live pages reach the hook.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from notifier.services.sources.jekyll.config import SiteConfig
from notifier.services.sources.jekyll.documents import Document, written
from notifier.services.sources.plaintext import body_summary, markup_to_text

SUMMARY_LIMIT = 2_000


MAX_FRONT_MATTER = 32_000  # characters of YAML per page (the hook's limit)


class Action(StrEnum):
    """What happened to a page: the hook's answer (services/sources/site/inventory.py PageAction), or
    `ignore` for a page Jekyll does not write and `refuse` for one no email can be made of."""

    KNOWN = "known"
    SEND = "send"
    RECORD = "record"
    UPDATE = "update"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    IGNORE = "ignore"
    REFUSE = "refuse"


@dataclass
class PagePlan:
    """One page: where it lives, what will (or did) happen to it, and the hook request to send."""

    path: str  # relative to the site's root
    url: str
    collection: str
    date: datetime | None
    action: Action
    reason: str = ""
    topics: list[str] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    request: dict[str, Any] | None = None
    title: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "url": self.url,
            "collection": self.collection,
            "date": self.date.isoformat() if self.date else None,
            "title": self.title,
            "topics": self.topics,
            "action": self.action.value,
            "reason": self.reason,
            "warnings": self.warnings,
        }


class GitError(RuntimeError):
    """`--since`: git could not say what changed."""


def changed_since(root: Path, revision: str) -> set[Path]:
    """Files under the site root that differ from `revision` (committed or not), as absolute paths."""
    git = shutil.which("git")
    if git is None:
        raise GitError("--since needs git, and git is not installed")
    command = [
        git,
        "-C",
        str(root),
        "diff",
        "--name-only",
        "--relative",
        "--no-renames",
        "-z",
        revision,
        "--",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"--since: git could not be run ({exc})") from exc
    if result.returncode != 0:
        raise GitError(f"--since {revision}: {result.stderr.strip() or 'git diff failed'}")
    return {(root / name).resolve() for name in result.stdout.split("\0") if name}


def select(docs: list[Document], wanted: set[Path] | None) -> tuple[list[Document], set[Path]]:
    """The documents among `wanted` (every one when None), and the wanted files that are no document."""
    if wanted is None:
        return docs, set()
    chosen = [d for d in docs if d.path.resolve() in wanted]
    return chosen, wanted - {d.path.resolve() for d in chosen}


def plan(config: SiteConfig, doc: Document, *, site_url: str, now: datetime) -> PagePlan:
    """The page's plan before the hook is asked: ignore or refuse (with why), or a request to send."""
    url = site_url.rstrip("/") + doc.url if doc.url else ""
    page = PagePlan(
        path=doc.path.relative_to(config.root).as_posix(),
        url=url,
        collection=doc.collection,
        date=doc.date,
        action=Action.SEND,
        warnings=[{"field": f"front_matter.{f}", "message": m} for f, m in doc.problems],
    )
    live, why = written(config, doc, now=now)
    if not live:
        page.action, page.reason = Action.IGNORE, why
        return page
    blocking = [p for p in doc.problems if p[0] in {"front_matter", "permalink"}]
    if blocking:
        page.action, page.reason = Action.REFUSE, f"{blocking[0][0]}: {blocking[0][1]}"
        return page
    if doc.title_from_file_name:
        page.action, page.reason = Action.REFUSE, "front_matter.title: the page has no title"
        return page
    if len(doc.front_matter) > MAX_FRONT_MATTER:
        page.action = Action.REFUSE
        page.reason = f"front_matter: is over {MAX_FRONT_MATTER} characters"
        return page
    page.title = str(doc.data.get("title") or "")
    page.request = list_entry(config, doc, url)
    return page


def list_entry(config: SiteConfig, doc: Document, url: str) -> dict[str, Any]:
    """The page's entry in the list: the file's own front matter, with what Jekyll adds to it
    (defaults, the date from the file name, merged categories and tags) as explicit fields, and the
    body's summary instead of the body."""
    layout = doc.data.get("layout")
    request: dict[str, Any] = {
        "path": doc.path.relative_to(config.root).as_posix(),
        "url": url,
        "collection": doc.collection,
        "layout": layout if isinstance(layout, str) else "",
        "revision": hashlib.sha256(doc.path.read_bytes()).hexdigest()[:20],
        "front_matter": doc.front_matter,
        "summary": page_summary(doc),
        "categories": [c[:300] for c in doc.categories][:50],
        "tags": [t[:300] for t in doc.tags][:50],
    }
    if doc.date is not None:
        request["date"] = doc.date.isoformat()
    if doc.title_from_defaults:
        request["title"] = str(doc.data["title"])[:300]
    return request


def page_summary(doc: Document) -> str:
    """The body's summary: up to the page's `excerpt_separator` when it has one, else the first
    paragraph that says something (plaintext.body_summary)."""
    separator = doc.data.get("excerpt_separator")
    if isinstance(separator, str) and separator and separator in doc.body:
        return markup_to_text(doc.body.split(separator, 1)[0])[:SUMMARY_LIMIT]
    return body_summary(doc.body)[:SUMMARY_LIMIT]
