"""The network site's publish hook: a signed description of a page that went live."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from notifier.repositories import networks as network_repo
from notifier.services import webhooks
from notifier.services.publishing import ContentItem, publish_content
from notifier.web.deps import QueueDep, UowDep

router = APIRouter(tags=["hooks"])

MAX_BODY_BYTES = 256 * 1024
LONDON = ZoneInfo("Europe/London")
ShortText = Annotated[str, Field(max_length=300)]


class ContentHook(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(max_length=500, description="The page's absolute https URL on the network's site")
    title: str = Field(min_length=1, max_length=300)
    revision: str = Field(min_length=1, max_length=100, description="Changes when the page changes")
    collection: str = Field(default="posts", max_length=100)
    excerpt: str = Field(default="", max_length=2000)
    author: str = Field(default="", max_length=200)
    date: datetime | None = None
    tags: list[ShortText] = Field(default_factory=list, max_length=50)
    categories: list[ShortText] = Field(default_factory=list, max_length=50)
    published: bool = True
    preview: bool = False

    @field_validator("date")
    @classmethod
    def _london_when_naive(cls, value: datetime | None) -> datetime | None:
        # Jekyll writes dates in the site's time zone; UK networks' sites run on London time.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=LONDON)
        return value

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc:
            raise ValueError("must be an absolute https URL")
        return value


async def _read_limited(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the body is over {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the body is over {MAX_BODY_BYTES} bytes")
    return bytes(body)


@router.post(
    "/hooks/{network_slug}/content",
    responses={401: {"description": "Bad or missing signature"}, 404: {"description": "No such network"}},
)
def content_hook(
    network_slug: str,
    request: Request,
    body: Annotated[bytes, Depends(_read_limited)],
    uow: UowDep,
    queue: QueueDep,
) -> JSONResponse:
    network = network_repo.get_network_by_slug(uow.session, network_slug)
    if network is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no network called {network_slug!r}")
    try:
        webhooks.verify(
            network.webhook_secret,
            timestamp=request.headers.get(webhooks.TIMESTAMP_HEADER),
            signature=request.headers.get(webhooks.SIGNATURE_HEADER),
            body=body,
            now=time.time(),
        )
    except webhooks.WebhookRejected as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from exc
    hook = _parse(body)
    if urlsplit(hook.url).netloc != urlsplit(network.site_url).netloc:
        raise _unprocessable("url", f"must be on the network's site {network.site_url}")
    if not hook.published or hook.preview:
        return JSONResponse({"status": "ignored", "reason": "the page is not published"})
    item = ContentItem(
        url=hook.url,
        title=hook.title,
        revision=hook.revision,
        collection=hook.collection,
        excerpt=hook.excerpt,
        author=hook.author,
        date=hook.date,
        tags=hook.tags,
        categories=hook.categories,
    )
    published = publish_content(uow, queue, network, item)
    if published.duplicate:
        return JSONResponse({"status": "duplicate", "event_id": published.event_id})
    return JSONResponse(
        {"status": "queued", "event_id": published.event_id, "message_ids": published.message_ids},
        status_code=status.HTTP_202_ACCEPTED,
    )


def _parse(body: bytes) -> ContentHook:
    try:
        return ContentHook.model_validate_json(body)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]} for e in exc.errors()
        ]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, errors) from exc


def _unprocessable(field: str, message: str) -> HTTPException:
    detail: list[dict[str, Any]] = [{"field": field, "message": message}]
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)
