"""The network site's publish hook: a signed description of a page that went live."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from notifier.services.admin.network_settings import hook_secrets
from notifier.services.common.scope import network_by_slug
from notifier.services.sources import frontmatter, webhooks
from notifier.services.sources.content_hook import (
    HookStatus,
    PageFields,
    browser_url,
    read_page,
    receive_page,
)
from notifier.web.deps import NowDep, QueueDep, UowDep

router = APIRouter(tags=["hooks"])

MAX_BODY_BYTES = 256 * 1024
LONDON = ZoneInfo("Europe/London")
ShortText = Annotated[str, Field(max_length=300)]


def page_url(value: str) -> str:
    """A page's absolute https URL, percent-encoded as a browser sends it."""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError("must be an absolute https URL")
    return browser_url(value)


class EventBlock(BaseModel):
    """The `event:` block of an event page's front matter."""

    model_config = ConfigDict(extra="forbid")

    start: datetime
    end: datetime | None = None
    location: str | None = Field(default=None, max_length=300)
    registration_deadline: datetime | None = None
    contact_email: str | None = Field(default=None, max_length=320)


class ContentHook(BaseModel):
    """What a Jekyll build knows about a page. Give `front_matter` (the YAML text between the `---`
    lines, or the same as a JSON object) and the page's fields come from it; fields given here as
    well win over the front matter's. `notifier hook post` sends exactly this."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(max_length=500, description="The page's absolute https URL on the network's site")
    revision: str | None = Field(
        default=None, min_length=1, max_length=100, description="Changes when the page changes"
    )
    collection: str = Field(default="posts", max_length=100)
    layout: str = Field(default="", max_length=100)
    front_matter: str | dict[str, Any] | None = Field(default=None, description="YAML text or an object")
    body: str | None = Field(
        default=None, max_length=200_000, description="The page's source below the front matter"
    )
    title: str | None = Field(default=None, min_length=1, max_length=300)
    excerpt: str | None = Field(default=None, max_length=2000)
    author: str | None = Field(default=None, max_length=200)
    date: datetime | None = None
    tags: list[ShortText] | None = Field(default=None, max_length=50)
    categories: list[ShortText] | None = Field(default=None, max_length=50)
    published: bool | None = None
    preview: bool | None = None
    notify_update: bool | None = Field(default=None, description="Send an update email for a changed page")
    event: EventBlock | None = None
    dry_run: bool = Field(
        default=False, description="Say what would happen (and to which topics); store nothing"
    )

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
        return page_url(value)

    def page_fields(self) -> PageFields:
        """Front matter merged under the fields this request set itself; raises FieldProblem."""
        matter = self.front_matter
        loaded = frontmatter.load_front_matter(matter) if isinstance(matter, str) else matter
        explicit = {
            name: getattr(self, name)
            for name in self.model_fields_set & PAGE_FIELDS
            if getattr(self, name) is not None
        }
        if self.event is not None and "event" in explicit:
            explicit["event"] = self.event.model_dump()
        source = matter if isinstance(matter, str) else json.dumps(matter, sort_keys=True)
        return PageFields.merge(loaded, explicit, source + json.dumps(explicit, sort_keys=True, default=str))


PAGE_FIELDS = frozenset(
    {
        "title",
        "excerpt",
        "author",
        "date",
        "tags",
        "categories",
        "published",
        "preview",
        "notify_update",
        "event",
    }
)


async def _read_limited(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the body is over {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the body is over {MAX_BODY_BYTES} bytes")
    return bytes(body)


def verify_signature(secrets: list[str], request: Request, body: bytes) -> None:
    """Signed with the current secret, or the previous one during its grace after a rotation."""
    rejected: webhooks.WebhookRejected | None = None
    for secret in secrets:
        try:
            webhooks.verify(
                secret,
                timestamp=request.headers.get(webhooks.TIMESTAMP_HEADER),
                signature=request.headers.get(webhooks.SIGNATURE_HEADER),
                body=body,
                now=time.time(),
            )
        except webhooks.WebhookRejected as exc:
            rejected = exc
        else:
            return
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(rejected)) from rejected


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
    now: NowDep,
) -> JSONResponse:
    network = network_by_slug(uow.session, network_slug).network
    verify_signature(list(hook_secrets(network, now)), request, body)
    hook = _parse(body)
    if urlsplit(hook.url).netloc != urlsplit(network.site_url).netloc:
        raise _unprocessable("url", f"must be on the network's site {network.site_url}")
    try:
        page = read_page(
            url=hook.url,
            collection=hook.collection,
            layout=hook.layout,
            revision=hook.revision,
            fields=hook.page_fields(),
            body=hook.body,
            field_map=network.settings.get("fields"),
        )
    except frontmatter.FieldProblem as exc:
        raise _unprocessable(exc.field, exc.message) from exc
    outcome = receive_page(uow, queue, network, page, dry_run=hook.dry_run)
    answer: dict[str, Any] = {"status": outcome.status.value, "event_id": outcome.event_id}
    if outcome.reason:
        answer["reason"] = outcome.reason
    if outcome.warnings:
        answer["warnings"] = outcome.warnings
    if outcome.status is HookStatus.QUEUED:
        answer["topics"], answer["update"] = list(outcome.topics), outcome.update
    if hook.dry_run:
        answer["dry_run"] = True
        return JSONResponse(answer)
    if outcome.status is HookStatus.QUEUED:
        answer["message_ids"] = list(outcome.message_ids)
        return JSONResponse(answer, status_code=status.HTTP_202_ACCEPTED)
    return JSONResponse(answer)


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
