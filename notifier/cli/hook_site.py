"""`notifier hook post` and `notifier hook connect` on a whole Jekyll site: read it as Jekyll does,
send its whole page list to the site hook in signed requests of bounded size, print the answers.

The list is the whole site unless files are named or `--since` is given (a shortcut: only the
pages changed since a git revision; when git does not know the revision, as after a force-push,
the whole list is sent instead). notifier, not git history, knows which pages are new.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import httpx
from rich.markup import escape

from notifier.cli.common import console, errors, fail
from notifier.services.sources import webhooks
from notifier.services.sources.jekyll.config import SiteConfig, SiteConfigError, read_config
from notifier.services.sources.jekyll.documents import read_documents
from notifier.services.sources.site_publish import Action, GitError, PagePlan, changed_since, plan, select

MAX_PAGES_PER_REQUEST = 100
MAX_REQUEST_BYTES = 900 * 1024  # under the hook's 1 MiB
NEWEST_SHOWN = 10
COLOURS = {
    Action.KNOWN: "cyan",
    Action.SEND: "green",
    Action.UPDATE: "green",
    Action.RECORD: "yellow",
    Action.CHANGED: "dim",
    Action.UNCHANGED: "dim",
    Action.IGNORE: "yellow",
    Action.REFUSE: "red",
}
QUIET = frozenset({Action.UNCHANGED, Action.CHANGED, Action.KNOWN, Action.IGNORE})


@dataclass(frozen=True)
class PostOptions:
    network: str
    endpoint: str
    secret: str
    dry_run: bool
    as_json: bool
    connect: bool = False  # `notifier hook connect`: record every page as known, send nothing


class HookFailed(RuntimeError):
    """The hook refused the whole run (not connected, bad signature...): nothing more is sent."""


def post_site(
    root: Path,
    paths: list[Path] | None,
    site: str | None,
    since: str | None,
    options: PostOptions,
    *,
    client: httpx.Client | None = None,
) -> int:
    """Post the site's page list (all, the named pages, or those changed since a revision); returns
    how many pages were refused."""
    config = _config(root)
    site_url = site or config.site_url
    if not site_url:
        fail("--site: _config.yml has no url; give the site's public base URL")
    now = datetime.now(UTC)
    wanted, complete = wanted_pages(config, paths, since)
    docs, strays = select(read_documents(config, now=now), wanted)
    pages = [plan(config, doc, site_url=site_url, now=now) for doc in docs]
    pages += [_not_a_document(config.root, p) for p in sorted(strays) if p.is_file()]
    gone: list[str] = []
    if options.secret or not options.dry_run:
        with nullcontext(client) if client else httpx.Client(timeout=60) as http:
            try:
                gone = _send_list(http, options, pages, complete=complete, zone=_zone_name(config))
            except HookFailed as exc:
                fail(str(exc))
    _report(pages, gone, options)
    return sum(p.action is Action.REFUSE for p in pages)


def _config(root: Path) -> SiteConfig:
    try:
        return read_config(root.resolve())
    except SiteConfigError as exc:
        fail(str(exc))


def _zone_name(config: SiteConfig) -> str | None:
    return str(getattr(config.timezone, "key", "")) or None


def wanted_pages(
    config: SiteConfig, paths: list[Path] | None, since: str | None
) -> tuple[set[Path] | None, bool]:
    """The files to post (None: every page) and whether that is the whole site."""
    wanted = {p.resolve() for p in paths} if paths else None
    if not since:
        return wanted, wanted is None
    try:
        changed = changed_since(config.root, since)
    except GitError as exc:
        errors.print(f"note: {escape(str(exc))}; posting the whole site instead (nothing is sent twice)")
        return wanted, wanted is None
    if (config.root / "_config.yml").resolve() in changed:
        errors.print("note: _config.yml changed, so every page's URL may have: posting the whole site")
        return wanted, wanted is None
    return (changed if wanted is None else wanted & changed), False


def _not_a_document(root: Path, path: Path) -> PagePlan:
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    return PagePlan(
        path=shown,
        url="",
        collection="",
        date=None,
        action=Action.IGNORE,
        reason="Jekyll does not read it as a page of a collection (a post needs a dated file name, "
        "a collection an entry in _config.yml, and a page front matter)",
    )


def _batches(pages: list[PagePlan]) -> list[list[PagePlan]]:
    """The pages to send, in requests of at most 100 pages and 900 KiB."""
    batches: list[list[PagePlan]] = [[]]
    size = 0
    for page in (p for p in pages if p.request is not None):
        entry = len(json.dumps(page.request).encode())
        if batches[-1] and (len(batches[-1]) >= MAX_PAGES_PER_REQUEST or size + entry > MAX_REQUEST_BYTES):
            batches.append([])
            size = 0
        batches[-1].append(page)
        size += entry
    return batches


def _send_list(
    client: httpx.Client, options: PostOptions, pages: list[PagePlan], *, complete: bool, zone: str | None
) -> list[str]:
    """Send every batch of the run; record each page's answer on its plan; the pages gone."""
    batches = _batches(pages)
    run: dict[str, Any] = {"mode": "connect" if options.connect else "post", "run_started": None}
    gone: list[str] = []
    for index, batch in enumerate(batches):
        request = {
            **run,
            "pages": [p.request for p in batch],
            "final": index == len(batches) - 1,
            "complete": complete,
            "timezone": zone,
            "dry_run": options.dry_run,
        }
        answer = _post(client, options, request, batch)
        if answer is None:
            continue
        run = {"mode": answer.get("mode", run["mode"]), "run_started": answer.get("run_started")}
        _record(batch, answer.get("pages") or [])
        gone += answer.get("gone") or []
    return gone


def _post(
    client: httpx.Client, options: PostOptions, request: dict[str, Any], batch: list[PagePlan]
) -> dict[str, Any] | None:
    body = json.dumps(request).encode()
    try:
        response = client.post(
            f"{options.endpoint.rstrip('/')}/hooks/{options.network}/site",
            content=body,
            headers=webhooks.signed_headers(options.secret, body, now=time.time()),
        )
    except httpx.HTTPError as exc:
        _refuse_all(batch, f"the hook could not be reached ({type(exc).__name__})")
        return None
    answer = _json(response)
    if response.status_code in {401, 404, 409}:
        _stop(response, answer)
    if response.status_code == 422 and isinstance(answer.get("detail"), list):
        _refuse_all(batch, "; ".join(f"{d.get('field')}: {d.get('message')}" for d in answer["detail"]))
        return None
    if not response.is_success:
        _refuse_all(batch, f"HTTP {response.status_code}: {response.text[:200]}")
        return None
    return answer


def _stop(response: httpx.Response, answer: dict[str, Any]) -> NoReturn:
    detail = answer.get("detail") or response.text[:300]
    raise HookFailed(f"the hook answered {response.status_code}: {detail}")


def _refuse_all(batch: list[PagePlan], reason: str) -> None:
    for page in batch:
        page.action, page.reason = Action.REFUSE, reason


def _record(batch: list[PagePlan], answers: list[dict[str, Any]]) -> None:
    by_path = {a.get("path"): a for a in answers}
    for page in batch:
        answer = by_path.get(page.request["path"] if page.request else page.path) or {}
        page.url = str(answer.get("url") or page.url)
        page.action = Action(answer.get("action", Action.REFUSE.value))
        page.reason = str(answer.get("reason") or ("no answer from the hook" if not answer else ""))
        page.topics = list(answer.get("topics") or [])
        page.warnings += answer.get("warnings") or []


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _report(pages: list[PagePlan], gone: list[str], options: PostOptions) -> None:
    if options.as_json:
        for page in pages:
            console.print_json(json.dumps(page.as_json()), indent=None)
        for url in gone:
            console.print_json(json.dumps({"url": url, "action": "gone"}), indent=None)
        return
    for page in pages:
        if page.action not in QUIET or page.warnings:
            _show(page, asked=bool(options.secret))
    for url in gone:
        console.print(f"[dim]{'gone':<9}[/dim] {escape(url)}")
    if options.connect:
        _connection_summary(pages)
    counts = Counter(p.action for p in pages)
    summary = ", ".join(f"{counts[a]} {a.value}" for a in Action if counts[a])
    dry = " (dry run)" if options.dry_run else ""
    gone_count = f", {len(gone)} gone" if gone else ""
    console.print(f"{len(pages)} pages{dry}: {summary or 'nothing to do'}{gone_count}")


def _connection_summary(pages: list[PagePlan]) -> None:
    """What connecting found: pages by collection, the newest, and what would have been sent."""
    known, now = [p for p in pages if p.action is Action.KNOWN], datetime.now(UTC)
    by_collection = Counter(p.collection for p in known)
    console.print("Pages by collection: " + ", ".join(f"{c} {n}" for c, n in sorted(by_collection.items())))
    dated = sorted((p for p in known if p.date), key=lambda p: p.date or now, reverse=True)
    console.print("Newest pages:")
    for page in dated[:NEWEST_SHOWN]:
        console.print(f"  {page.date:%Y-%m-%d}  {escape(page.title or page.url)}", highlight=False)
    would = [p for p in known if p.topics]
    topics = Counter(t for p in would for t in p.topics)
    shown = ", ".join(f"{t} {n}" for t, n in sorted(topics.items()))
    console.print(
        f"Without connecting, {len(would)} of these pages would have been emailed"
        + (f" (pages per topic: {shown})" if shown else "")
        + "; none was."
    )


def _show(page: PagePlan, *, asked: bool) -> None:
    colour = COLOURS[page.action]
    date = page.date.strftime("%Y-%m-%d") if page.date else "-"
    topics = ", ".join(page.topics) if page.topics else ("?" if page.request and not asked else "-")
    where = escape(f"{page.url or page.path}  [{page.collection or '-'}]  {date}  topics: {topics}")
    console.print(f"[{colour}]{page.action.value:<9}[/{colour}] {where}")
    if page.reason:
        console.print(f"          {escape(page.reason)}")
    for warning in page.warnings:
        console.print(
            f"          [yellow]warning[/yellow] {escape(warning['field'])}: {escape(warning['message'])}"
        )
