"""`notifier hook post` on a whole Jekyll site: plan each page, ask the hook, print what happened."""

from __future__ import annotations

import json
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.markup import escape

from notifier.cli.common import console, errors, fail
from notifier.services.sources import webhooks
from notifier.services.sources.jekyll.config import SiteConfigError, read_config
from notifier.services.sources.jekyll.documents import read_documents
from notifier.services.sources.site_publish import Action, GitError, PagePlan, changed_since, plan, select

COLOURS = {
    Action.SEND: "green",
    Action.UPDATE: "green",
    Action.DUPLICATE: "dim",
    Action.IGNORE: "yellow",
    Action.REFUSE: "red",
}


@dataclass(frozen=True)
class PostOptions:
    network: str
    endpoint: str
    secret: str
    dry_run: bool
    as_json: bool


def post_site(
    root: Path,
    paths: list[Path] | None,
    site: str | None,
    since: str | None,
    options: PostOptions,
    *,
    client: httpx.Client | None = None,
) -> int:
    """Post the site's pages (all, the named ones, or those changed since a revision); the refusals."""
    try:
        config = read_config(root.resolve())
    except SiteConfigError as exc:
        fail(str(exc))
    site_url = site or config.site_url
    if not site_url:
        fail("--site: _config.yml has no url; give the site's public base URL")
    now = datetime.now(UTC)
    wanted = {p.resolve() for p in paths} if paths else None
    if since:
        try:
            changed = changed_since(config.root, since)
        except GitError as exc:
            fail(str(exc))
        if (config.root / "_config.yml").resolve() in changed:
            errors.print("note: _config.yml changed; only the pages that changed themselves are posted")
        wanted = changed if wanted is None else wanted & changed
    docs, strays = select(read_documents(config, now=now), wanted)
    pages = [plan(config, doc, site_url=site_url, now=now) for doc in docs]
    if paths:
        pages += [_not_a_document(config.root, p) for p in sorted(strays) if p.is_file()]
    refused = 0
    with nullcontext(client) if client else httpx.Client(timeout=30) as http:
        for page in pages:
            if page.request is not None and (options.secret or not options.dry_run):
                _ask(http, options, page)
            refused += page.action is Action.REFUSE
            _show(page, options)
    if not options.as_json:
        counts = {a: sum(p.action is a for p in pages) for a in Action}
        summary = ", ".join(f"{n} {a.value}" for a, n in counts.items() if n)
        console.print(
            f"{len(pages)} pages{' (dry run)' if options.dry_run else ''}: {summary or 'nothing to do'}"
        )
    return refused


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


def _ask(client: httpx.Client, options: PostOptions, page: PagePlan) -> None:
    """Send the page's request (with dry_run when asked) and record the hook's answer on the plan."""
    assert page.request is not None
    request = {**page.request, "dry_run": True} if options.dry_run else page.request
    body = json.dumps(request).encode()
    try:
        response = client.post(
            f"{options.endpoint.rstrip('/')}/hooks/{options.network}/content",
            content=body,
            headers=webhooks.signed_headers(options.secret, body, now=time.time()),
        )
    except httpx.HTTPError as exc:
        page.action, page.reason = Action.REFUSE, f"the hook could not be reached ({type(exc).__name__})"
        return
    answer = _json(response)
    if response.status_code == 422 and isinstance(answer.get("detail"), list):
        page.action = Action.REFUSE
        page.reason = "; ".join(f"{d.get('field')}: {d.get('message')}" for d in answer["detail"])
        return
    if not response.is_success:
        page.action, page.reason = Action.REFUSE, f"HTTP {response.status_code}: {response.text[:200]}"
        return
    page.warnings += answer.get("warnings") or []
    status = answer.get("status")
    if status == "queued":
        page.action = Action.UPDATE if answer.get("update") else Action.SEND
        page.topics = list(answer.get("topics") or [])
    elif status == "duplicate":
        page.action, page.reason = Action.DUPLICATE, "already sent for this revision"
    else:
        page.action, page.reason = Action.IGNORE, str(answer.get("reason", ""))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _show(page: PagePlan, options: PostOptions) -> None:
    if options.as_json:
        console.print_json(json.dumps(page.as_json()), indent=None)
        return
    colour = COLOURS[page.action]
    date = page.date.strftime("%Y-%m-%d") if page.date else "-"
    topics = ", ".join(page.topics) if page.topics else ("?" if page.request and not options.secret else "-")
    where = escape(f"{page.url or page.path}  [{page.collection or '-'}]  {date}  topics: {topics}")
    console.print(f"[{colour}]{page.action.value:<9}[/{colour}] {where}")
    if page.reason:
        console.print(f"          {escape(page.reason)}")
    for warning in page.warnings:
        console.print(
            f"          [yellow]warning[/yellow] {escape(warning['field'])}: {escape(warning['message'])}"
        )
