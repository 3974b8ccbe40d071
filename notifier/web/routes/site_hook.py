"""The site's page list: `notifier hook connect` and `notifier hook post` send the whole site, in
requests of at most 100 pages and 1 MiB, each signed like the content hook. The service compares it
with the pages notifier knows (services/sources/site/inventory.py) and answers, per page, what it
did: known (connecting), send, record (no email, and why), update, changed, unchanged or refuse; and,
when the run's last request closes a whole list, the pages that are gone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from notifier.services.admin.network_settings import hook_secrets
from notifier.services.common.scope import network_by_slug
from notifier.services.sources.site import inventory
from notifier.services.sources.site.inventory import ListAnswer, ListedPage, ListMode, PageList
from notifier.web.deps import NowDep, QueueDep, UowDep
from notifier.web.routes.hooks import ShortText, page_url, verify_signature

router = APIRouter(tags=["hooks"])

MAX_LIST_BYTES = 1024 * 1024
MAX_FRONT_MATTER = 32_000
MAX_SUMMARY = 2_000


class ListedPageIn(BaseModel):
    """One page: where it is, its content hash, and what its email needs (never its body)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    path: str = Field(max_length=500, description="The source file, from the site's root")
    url: str = Field(max_length=500, description="The page's absolute https URL, as Jekyll makes it")
    revision: str = Field(min_length=1, max_length=100, description="A hash of the source file")
    collection: str = Field(default="posts", max_length=100)
    layout: str = Field(default="", max_length=100)
    front_matter: str | None = Field(default=None, max_length=MAX_FRONT_MATTER)
    summary: str | None = Field(default=None, max_length=MAX_SUMMARY, description="The body's summary")
    title: str | None = Field(default=None, min_length=1, max_length=300)
    date: datetime | None = None
    categories: list[ShortText] | None = Field(default=None, max_length=50)
    tags: list[ShortText] | None = Field(default=None, max_length=50)

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        return page_url(value)

    def listed(self) -> ListedPage:
        explicit = {
            name: getattr(self, name)
            for name in ("title", "date", "categories", "tags")
            if getattr(self, name) is not None
        }
        return ListedPage(
            path=self.path,
            url=self.url,
            revision=self.revision,
            collection=self.collection,
            layout=self.layout,
            front_matter=self.front_matter,
            explicit=explicit,
            summary=self.summary,
        )


class PageListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: ListMode = ListMode.POST
    pages: list[ListedPageIn] = Field(max_length=inventory.MAX_PAGES_PER_REQUEST)
    run_started: datetime | None = Field(
        default=None, description="Give back the first answer's run_started in the run's other requests"
    )
    final: bool = Field(default=True, description="The run's last request")
    complete: bool = Field(default=True, description="The run lists the whole site")
    timezone: str | None = Field(default=None, max_length=64, description="The zone the dates were read in")
    dry_run: bool = False

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError("must be a time zone such as Europe/London or UTC") from exc
        return value or None

    def page_list(self, *, mode: ListMode | None = None) -> PageList:
        return PageList(
            mode=mode or self.mode,
            pages=[p.listed() for p in self.pages],
            run_started=self.run_started,
            final=self.final,
            complete=self.complete,
            timezone=self.timezone,
            dry_run=self.dry_run,
        )


async def _read_list(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    too_big = HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"the list is over {MAX_LIST_BYTES} bytes: send it in requests of at most "
        f"{inventory.MAX_PAGES_PER_REQUEST} pages",
    )
    if declared and declared.isascii() and declared.isdigit() and int(declared) > MAX_LIST_BYTES:
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_LIST_BYTES:
            raise too_big
    return bytes(body)


@router.post(
    "/hooks/{network_slug}/site",
    responses={
        401: {"description": "Bad or missing signature"},
        404: {"description": "No such network"},
        409: {"description": "The site is not connected"},
    },
)
def site_list_hook(
    network_slug: str,
    request: Request,
    body: Annotated[bytes, Depends(_read_list)],
    uow: UowDep,
    queue: QueueDep,
    now: NowDep,
) -> JSONResponse:
    network = network_by_slug(uow.session, network_slug).network
    verify_signature(list(hook_secrets(network, now)), request, body)
    listing = _parse(body)
    site = urlsplit(network.site_url).netloc
    for index, page in enumerate(listing.pages):
        if urlsplit(page.url).netloc != site:
            detail = [{"field": f"pages.{index}.url", "message": f"must be on the site {network.site_url}"}]
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)
    try:
        answer = inventory.receive_list(uow, queue, network, listing, now=now)
    except inventory.NotConnected as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return JSONResponse(list_answer(answer, dry_run=listing.dry_run))


def list_answer(answer: ListAnswer, *, dry_run: bool) -> dict[str, Any]:
    return {
        "run_started": answer.run_started.isoformat(),
        "mode": answer.mode.value,
        "pages": [vars(p) | {"action": p.action.value} for p in answer.pages],
        "gone": answer.gone,
        "dry_run": dry_run,
    }


def _parse(body: bytes) -> PageList:
    try:
        return PageListIn.model_validate_json(body).page_list()
    except ValidationError as exc:
        errors: list[dict[str, Any]] = [
            {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]} for e in exc.errors()
        ]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, errors) from exc
