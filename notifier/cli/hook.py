"""`notifier hook post`: send a Jekyll site's pages to the publish hook, signed, from the site's CI.

With the site's root (the directory holding `_config.yml`, found above the files or given with
`--root`) the site is read exactly as Jekyll reads it (`services/sources/jekyll/`): every page's
URL, date, categories and whether Jekyll writes it at all. Without a `_config.yml`, single files
are read with Jekyll's defaults (`--permalink`): posts (`_posts/2025-03-05-forum.md`) become
/CATEGORIES/2025/03/05/forum.html, other collections /COLLECTION/NAME.html, pages /NAME.html.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from notifier.cli import hook_settings, hook_site
from notifier.cli.common import console, errors, fail
from notifier.services.sources import frontmatter, webhooks
from notifier.services.sources.content_hook import PageFields, read_page

hook_app = typer.Typer(help="Send a site's pages to notifier's publish hook.", no_args_is_help=True)
hook_app.command("fields")(hook_settings.fields)
hook_app.command("routing")(hook_settings.routing)
POST_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")


Network = Annotated[str, typer.Option(help="The network's slug")]
SiteUrl = Annotated[
    str | None, typer.Option(help="The site's public base URL (default: url + baseurl in _config.yml)")
]
AsJson = Annotated[bool, typer.Option("--json", help="One JSON object per page, per line")]
Endpoint = Annotated[str, typer.Option(envvar="NOTIFIER_HOOK_ENDPOINT", help="notifier's base URL")]
Secret = Annotated[str, typer.Option(envvar="NOTIFIER_HOOK_SECRET", help="The network's hook secret")]
LOCAL = "http://127.0.0.1:8000"
BODY_SENT = 64_000  # characters of a page's body the single-file hook is sent (its limit: 200,000)


class Permalink(StrEnum):
    DATE = "date"  # Jekyll's default: /:categories/:year/:month/:day/:title.html
    PRETTY = "pretty"  # /:categories/:year/:month/:day/:title/


def collection_of(path: Path) -> str:
    for parent in path.parents:
        if parent.name.startswith("_") and len(parent.name) > 1:
            return parent.name[1:]
    return "pages"


def page_url(site: str, path: Path, matter: dict[str, Any], style: Permalink) -> str:
    site = site.rstrip("/")
    permalink = matter.get("permalink")
    if isinstance(permalink, str) and permalink.startswith("/"):
        return site + permalink
    collection, stem = collection_of(path), path.stem
    ending = "/" if style is Permalink.PRETTY else ".html"
    if collection == "posts" and (match := POST_NAME.match(stem)):
        year, month, day, slug = match.groups()
        categories = frontmatter.list_value(matter, "categories", "front_matter.categories")
        prefix = "".join(f"/{c.lower()}" for c in categories)
        return f"{site}{prefix}/{year}/{month}/{day}/{slug}{ending}"
    if collection == "pages":
        return f"{site}/{stem}{ending}"
    return f"{site}/{collection}/{stem}{ending}"


def build_request(path: Path, site: str, style: Permalink) -> dict[str, Any]:
    """The hook's JSON for one source file; raises FieldProblem when the front matter is unusable."""
    raw = path.read_text(encoding="utf-8")
    matter_text, body = frontmatter.split_source(raw)
    if matter_text is None:
        raise frontmatter.FieldProblem("front_matter", "the file has no front matter (--- lines)")
    matter = frontmatter.load_front_matter(matter_text)
    layout = matter.get("layout")
    return {
        "url": page_url(site, path, matter, style),
        "collection": collection_of(path),
        "layout": layout if isinstance(layout, str) else "",
        "revision": hashlib.sha256(raw.encode()).hexdigest()[:20],
        "front_matter": matter_text,
        # Only the opening of a long body: the summary is made from its first paragraphs, and a
        # request stays under the hook's limit however big the page is.
        "body": body[:BODY_SENT],
    }


def _preview(request: dict[str, Any]) -> str:
    matter = frontmatter.load_front_matter(request["front_matter"])
    page = read_page(
        url=request["url"],
        collection=request["collection"],
        layout=request["layout"],
        revision=request["revision"],
        fields=PageFields.merge(matter, {}, request["front_matter"]),
        body=request["body"],
    )
    state = "ignored (not published)" if not page.published or page.preview else "would be sent"
    return f"{page.item.url}: {page.item.title!r} [{page.item.collection}] {state}"


@hook_app.command("post")
def post(
    network: Network,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Source files to post (default: every page of the site, or --since)"),
    ] = None,
    root: Annotated[
        Path | None,
        typer.Option(help="The site's root, holding _config.yml (default: found above the files)"),
    ] = None,
    site: SiteUrl = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only the pages changed since this git revision")
    ] = None,
    as_json: AsJson = False,
    endpoint: Endpoint = LOCAL,
    secret: Secret = "",
    permalink: Annotated[
        Permalink, typer.Option(help="Without a _config.yml only: the site's permalink style")
    ] = Permalink.DATE,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would happen to each page; send nothing")
    ] = False,
) -> None:
    """Send the site's whole page list to the site hook, signed; exits 1 if any page is refused.

    notifier answers what is new (send, or record without email and why), changed, updated,
    unchanged or gone, and prints each page that is sent, recorded or refused, then the counts.
    The site must have been connected first (`notifier hook connect`). `--since REV` sends only the
    pages changed since REV, and the whole list when git does not know REV. `--dry-run` asks the
    service what would happen (with --secret) and sends nothing.
    """
    if not dry_run and not secret:
        fail("--secret (or NOTIFIER_HOOK_SECRET) is needed to sign the requests")
    site_root = root or _site_root(paths or [])
    if site_root is None:
        if not paths or not site:
            fail("--root: no _config.yml found; give the site's root (or files and --site)")
        _post_files(paths, site, network, endpoint, secret, permalink, dry_run)
        return
    options = hook_site.PostOptions(
        network=network, endpoint=endpoint, secret=secret, dry_run=dry_run, as_json=as_json
    )
    refused = hook_site.post_site(site_root, paths, site, since, options)
    if refused:
        raise typer.Exit(1)


@hook_app.command("connect")
def connect(
    network: Network,
    root: Annotated[Path, typer.Option(help="The site's root, holding _config.yml")] = Path(),
    site: SiteUrl = None,
    as_json: AsJson = False,
    endpoint: Endpoint = LOCAL,
    secret: Secret = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what connecting would find; record nothing")
    ] = False,
) -> None:
    """Connect the network's site: record every page it has now as known, and send nothing.

    Prints the pages by collection, the newest ones, and how many would have been emailed had the
    site been posted without connecting. From then on `notifier hook post` emails only pages that
    are new to notifier and dated after the connection (not events that have ended, nor pages
    marked `notify: false`). Connecting again records the pages added since, without email.
    """
    if not secret:
        fail("--secret (or NOTIFIER_HOOK_SECRET) is needed to sign the requests")
    options = hook_site.PostOptions(
        network=network, endpoint=endpoint, secret=secret, dry_run=dry_run, as_json=as_json, connect=True
    )
    if hook_site.post_site(root, None, site, None, options):
        raise typer.Exit(1)


def _site_root(paths: list[Path]) -> Path | None:
    starts = [p.resolve().parent for p in paths] or [Path.cwd()]
    for start in starts[:1]:
        for folder in (start, *start.parents):
            if (folder / "_config.yml").is_file():
                return folder
    return None


def _post_files(
    paths: list[Path],
    site: str,
    network: str,
    endpoint: str,
    secret: str,
    permalink: Permalink,
    dry_run: bool,
) -> None:
    """Single files with Jekyll's default URLs, for a site whose _config.yml is not at hand."""
    refused = 0
    with httpx.Client(timeout=30) as client:
        for path in paths:
            try:
                request = build_request(path, site, permalink)
                if dry_run:
                    console.print(_preview(request))
                    continue
            except (OSError, UnicodeDecodeError, frontmatter.FieldProblem) as exc:
                errors.print(f"[red]{path}[/red]: {exc}")
                refused += 1
                continue
            refused += not _send(client, endpoint, network, secret, path, request)
    if refused:
        raise typer.Exit(1)


def _send(
    client: httpx.Client, endpoint: str, network: str, secret: str, path: Path, request: dict[str, Any]
) -> bool:
    body = json.dumps(request).encode()
    response = client.post(
        f"{endpoint.rstrip('/')}/hooks/{network}/content",
        content=body,
        headers=webhooks.signed_headers(secret, body, now=time.time()),
    )
    if response.is_success:
        answer = response.json()
        console.print(f"{path}: {answer['status']} {answer.get('reason', '')}".rstrip())
        return True
    errors.print(f"[red]{path}[/red]: {response.status_code} {response.text}")
    return False
