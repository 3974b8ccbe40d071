"""What `notifier hook post` does with a Jekyll site: read it as Jekyll does, pick the pages (all,
the ones named, or the ones changed since a git revision), and make each one's hook request.

Pages Jekyll does not write (`published: false`, dated in the future, a collection without
`output: true`) are ignored here with the reason, and pages that cannot make an email (no title, no
URL) are refused here, so only live pages reach the hook.
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


class Action(StrEnum):
    SEND = "send"
    UPDATE = "update"
    DUPLICATE = "duplicate"
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

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "url": self.url,
            "collection": self.collection,
            "date": self.date.isoformat() if self.date else None,
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
    page.request = hook_request(doc, url)
    return page


def hook_request(doc: Document, url: str) -> dict[str, Any]:
    """The publish hook's JSON: the file's own front matter, with what Jekyll adds to it (defaults,
    the date from the file name, merged categories and tags) given as explicit fields."""
    layout = doc.data.get("layout")
    request: dict[str, Any] = {
        "url": url,
        "collection": doc.collection,
        "layout": layout if isinstance(layout, str) else "",
        "revision": hashlib.sha256(doc.path.read_bytes()).hexdigest()[:20],
        "front_matter": doc.front_matter,
        "body": doc.body,
        "categories": [c[:300] for c in doc.categories][:50],
        "tags": [t[:300] for t in doc.tags][:50],
    }
    if doc.date is not None:
        request["date"] = doc.date.isoformat()
    if doc.title_from_defaults:
        request["title"] = str(doc.data["title"])[:300]
    return request
