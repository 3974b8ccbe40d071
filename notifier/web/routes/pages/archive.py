"""A network's members' archive, for a signed-in reader: the emails they may read by topic and month,
search with the matches marked, one email as Notify renders it, and their private feed (an Atom
address they make, and revoke here or on their preferences page). Whatever they may not read, another
network's included, is the same 404 as what does not exist."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.archive.access import Reader
from notifier.services.archive.feeds import feed_url, make_feed, read_feed, revoke_feeds
from notifier.services.archive.reading import archive_page, read_item, search
from notifier.services.common.tokens import TokenSigner
from notifier.web import csrf
from notifier.web.csrf import CheckedForm
from notifier.web.deps import NetworkDep, NowDep, SettingsDep
from notifier.web.email_preview import notify_html
from notifier.web.pages import render_page
from notifier.web.params import RowId
from notifier.web.routes.pages.archive_session import ReaderDep

router = APIRouter(tags=["archive"], include_in_schema=False)
ATOM = "application/atom+xml; charset=utf-8"


def _page(request: Request, settings: SettingsDep, reader: Reader, template: str, **context: Any) -> Response:
    """An archive page: the reader's frame (search box, feed, sign out) and a form token for signing out."""
    token = csrf.issue(request, settings)
    page = render_page(
        template,
        network=reader.network,
        base=f"/archive/{reader.network.slug}",
        reader_is_admin=reader.is_admin,
        csrf_token=token.form_value,
        **context,
    )
    return csrf.attach(page, token, settings)


@router.get("/archive/{slug}", response_class=HTMLResponse)
def archive(
    request: Request, reader: ReaderDep, settings: SettingsDep, topic: str = "", page: int = 1
) -> Response:
    found = archive_page(reader, topic_slug=topic, page=page)
    title = f"Past emails about {found.topic.name}" if found.topic else "Past emails"
    return _page(request, settings, reader, "archive_list.html", title=title, found=found)


@router.get("/archive/{slug}/search", response_class=HTMLResponse)
def search_archive(
    request: Request, reader: ReaderDep, settings: SettingsDep, q: str = "", page: int = 1
) -> Response:
    found = search(reader, q[:200], page=page)
    return _page(request, settings, reader, "archive_search.html", title="Search past emails", found=found)


@router.get("/archive/{slug}/items/{item_id}", response_class=HTMLResponse)
def item(request: Request, item_id: RowId, reader: ReaderDep, settings: SettingsDep) -> Response:
    found = read_item(reader, item_id, settings.public_base_url.rstrip("/"))
    return _page(
        request,
        settings,
        reader,
        "archive_item.html",
        title=found.email.subject,
        found=found,
        email=found.email,
        preview_html=notify_html(settings, reader.network.notify_template_id, found.email),
    )


@router.get("/archive/{slug}/feed-address", response_class=HTMLResponse)
def feed_address(request: Request, reader: ReaderDep, settings: SettingsDep, done: str = "") -> Response:
    url = feed_url(reader, TokenSigner(settings.signing_secrets), settings.public_base_url.rstrip("/"))
    return _page(
        request, settings, reader, "archive_feed.html", title="Your private feed", url=url, done=done
    )


@router.post("/archive/{slug}/feed-address", response_class=HTMLResponse, dependencies=[CheckedForm])
def new_feed(reader: ReaderDep, now: NowDep) -> Response:
    make_feed(reader, now=now)
    return RedirectResponse(
        f"/archive/{reader.network.slug}/feed-address?done=made", status_code=status.HTTP_303_SEE_OTHER
    )


@router.post("/archive/{slug}/feed-address/revoke", response_class=HTMLResponse, dependencies=[CheckedForm])
def stop_feed(reader: ReaderDep, now: NowDep) -> Response:
    revoke_feeds(reader.scope, reader.subscriber.id, now=now)
    return RedirectResponse(
        f"/archive/{reader.network.slug}/feed-address?done=revoked", status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/archive/{slug}/feed/{token}")
def feed(token: str, request: Request, scope: NetworkDep, settings: SettingsDep) -> Response:
    base = settings.public_base_url.rstrip("/")
    found = read_feed(scope, token, TokenSigner(settings.signing_secrets), base, f"{base}{request.url.path}")
    atom = render_page("archive_feed.xml", network=scope.network, feed=found).body
    return Response(atom, media_type=ATOM, headers={"Cache-Control": "private, no-store"})
