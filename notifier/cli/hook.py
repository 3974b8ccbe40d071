"""`notifier hook post`: send Jekyll source files to the publish hook, signed, from a site's CI.

The page URL follows Jekyll's defaults unless the front matter has a `permalink`: posts
(`_posts/2025-03-05-forum.md`) become /CATEGORIES/2025/03/05/forum.html (or .../forum/ with
`--permalink pretty`), other collections /COLLECTION/NAME.html, pages /NAME.html.
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

from notifier.cli.common import console, errors, fail
from notifier.services.sources import frontmatter, webhooks
from notifier.services.sources.content_hook import PageFields, read_page

hook_app = typer.Typer(help="Send a site's pages to notifier's publish hook.", no_args_is_help=True)
POST_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")


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
        "body": body,
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
    paths: Annotated[
        list[Path], typer.Argument(help="Jekyll source files (posts, collection documents, pages)")
    ],
    site: Annotated[str, typer.Option(help="The site's base URL, e.g. https://network.example.gov.uk")],
    network: Annotated[str, typer.Option(help="The network's slug")],
    endpoint: Annotated[
        str, typer.Option(envvar="NOTIFIER_HOOK_ENDPOINT", help="notifier's base URL")
    ] = "http://127.0.0.1:8000",
    secret: Annotated[
        str, typer.Option(envvar="NOTIFIER_HOOK_SECRET", help="The network's hook secret")
    ] = "",
    permalink: Annotated[Permalink, typer.Option(help="The site's permalink style")] = Permalink.DATE,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent; send nothing")] = False,
) -> None:
    """Sign and send each file's page to the publish hook; exits 1 if any is refused."""
    if not dry_run and not secret:
        fail("--secret (or NOTIFIER_HOOK_SECRET) is needed to sign the requests")
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
