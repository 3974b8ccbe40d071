"""A page from the site's publish hook, read from what a Jekyll build knows, and sent once.

Front matter values and the hook's own JSON fields are read with the same rules. Only what makes
an email impossible (no usable title) is refused, naming the field; a fault in any optional field
(a bad date, an event that ends before it starts, a deadline already past, a malformed address)
drops that field and is reported as a warning, kept with the event. `published` is read as Jekyll
reads it: only `false` unpublishes. Unpublished and preview pages are ignored; a page seen before
sends again only when its revision changed and its front matter says `notify_update: true`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import ContentPage, Network
from notifier.db.session import UnitOfWork
from notifier.repositories import messages as message_repo
from notifier.repositories import networks as network_repo
from notifier.services.common.ports import TaskQueue
from notifier.services.sources import frontmatter as fm
from notifier.services.sources import site_settings
from notifier.services.sources.plaintext import body_summary, markup_to_text, one_line
from notifier.services.sources.publishing import ContentItem, publish_content, route_topics

EXCERPT_LIMIT = 2000
T = TypeVar("T")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


class HookStatus(StrEnum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


@dataclass(frozen=True)
class PageFields:
    """What the hook was told: front matter (mapping) merged under the request's own fields."""

    values: dict[str, Any]
    origin: dict[str, str]  # key -> the field name to report in a problem
    source: str  # what was sent, as text: the default revision is its hash
    had_front_matter: bool = True

    @classmethod
    def merge(cls, front_matter: dict[str, Any] | None, explicit: dict[str, Any], source: str) -> PageFields:
        """`front_matter` None: the request gave none, so problems name the request's own fields."""
        matter = front_matter or {}
        origin = {key: f"front_matter.{key}" for key in matter}
        origin.update({key: key for key in explicit})
        return cls({**matter, **explicit}, origin, source, front_matter is not None)

    def field(self, key: str) -> str:
        """The name to report a problem with `key` under; a missing key is the front matter's to give."""
        return self.origin.get(key, f"front_matter.{key}" if self.had_front_matter else key)


@dataclass(frozen=True)
class Page:
    item: ContentItem
    published: bool
    preview: bool
    update_requested: bool
    notify: bool = True  # `notify: false`: the site asks that the page is never emailed

    @property
    def warnings(self) -> list[dict[str, str]]:
        return self.item.warnings


@dataclass(frozen=True)
class HookOutcome:
    status: HookStatus
    event_id: int | None = None
    message_ids: tuple[int, ...] = ()
    reason: str = ""
    warnings: list[dict[str, str]] = field(default_factory=list)
    topics: tuple[str, ...] = ()  # the topics it goes (or would go) to
    update: bool = False  # an "Updated:" email for a page seen before


class _Lenient:
    """Reads optional fields: a fault drops the field and becomes a warning instead of a refusal."""

    def __init__(self) -> None:
        self.warnings: list[dict[str, str]] = []

    def __call__(self, read: Callable[[], T], default: T) -> T:
        try:
            return read()
        except fm.FieldProblem as exc:
            self.warn(exc.field, f"{exc.message}; left out of the email")
            return default

    def warn(self, field_name: str, message: str) -> None:
        self.warnings.append({"field": field_name, "message": message})


def read_page(
    *,
    url: str,
    collection: str,
    layout: str,
    revision: str | None,
    fields: PageFields,
    body: str | None,
    now: datetime | None = None,
    field_map: Mapping[str, Any] | None = None,
    zone: tzinfo = fm.LONDON,
    summary: str | None = None,
) -> Page:
    """The page as a content item; raises FieldProblem only when no email can be made (no title).
    `field_map` is the network's naming of its front-matter keys (`site_settings`); dates without a
    zone are in the site's `zone`; `summary` is the body's summary, made where the body was read."""
    names = site_settings.spellings(field_map)
    fields = _renamed(fields, names)
    values = fields.values
    title = one_line(fm.text_value(values, "title", fields.field("title"), max_length=300))
    if not title:
        raise fm.FieldProblem(fields.field("title"), "is required and must not be empty")
    lenient = _Lenient()
    f = fields.field
    item = ContentItem(
        url=url,
        title=title,
        revision=revision or _revision_of(fields.source, body),
        collection=collection or "posts",
        excerpt=lenient(lambda: _excerpt(fields, body, summary), ""),
        author=lenient(lambda: _author(fields), ""),
        date=lenient(lambda: fm.datetime_value(values, "date", f("date"), local=zone), None),
        tags=lenient(lambda: _jekyll_list(values, "tag", "tags", f), []),
        categories=lenient(lambda: _jekyll_list(values, "category", "categories", f), []),
        layout=layout,
        event=lenient(lambda: _event(fields, lenient, (now or datetime.now(UTC), zone), names), None),
        warnings=lenient.warnings,
    )
    return Page(
        item=item,
        published=_published(values, f("published"), lenient),
        preview=lenient(lambda: fm.bool_value(values, "preview", f("preview"), default=False), False),
        update_requested=lenient(
            lambda: fm.bool_value(values, "notify_update", f("notify_update"), default=False), False
        ),
        notify=lenient(lambda: fm.bool_value(values, "notify", f("notify"), default=True), True),
    )


def _jekyll_list(values: dict[str, Any], singular: str, plural: str, f: Callable[[str], str]) -> list[str]:
    """Tags or categories as Jekyll merges them: a present singular (`tag: x`, one value, never
    split) replaces the plural (a list, or words split on spaces); for categories, the plural's
    own entries come first, as Jekyll keeps them."""
    one = values.get(singular)
    if one is None or one is False:
        return fm.list_value(values, plural, f(plural))
    merged = fm.list_value(values, plural, f(plural)) if plural == "categories" else []
    items = one if isinstance(one, list) else [one]
    for word in fm.list_value({singular: items}, singular, f(singular)):
        if word not in merged:
            merged.append(word)
    return merged


def browser_url(url: str) -> str:
    """The URL percent-encoded as a browser sends it: spaces, quotes and non-ASCII characters
    escaped (UTF-8), existing `%XX` escapes kept; a space is never a reason to refuse a page."""
    parts = urlsplit(url.strip())
    return urlunsplit(
        (
            parts.scheme.lower(),
            parts.netloc.lower(),
            quote(parts.path, safe=_PATH_SAFE),
            quote(parts.query, safe=_PATH_SAFE + "?"),
            quote(parts.fragment, safe=_PATH_SAFE + "?#"),
        )
    )


def _published(values: dict[str, Any], field_name: str, lenient: _Lenient) -> bool:
    """As Jekyll: only `false` unpublishes (`published: "false"` or `maybe` is published, with a warning)."""
    value = values.get("published")
    if value is None or isinstance(value, bool):
        return value is not False
    lenient.warn(field_name, f"{str(value)[:40]!r} is not true or false; Jekyll publishes the page, so do we")
    return True


def receive_page(
    uow: UnitOfWork, queue: TaskQueue, network: Network, page: Page, *, dry_run: bool = False
) -> HookOutcome:
    """Store and queue the page (or, with `dry_run`, say what would happen and write nothing)."""
    warnings = page.warnings
    if not page.published or page.preview:
        return HookOutcome(
            HookStatus.IGNORED,
            reason="the page is not published (published: false or preview)",
            warnings=warnings,
        )
    item = page.item
    seen = uow.session.scalars(
        select(ContentPage).where(ContentPage.network_id == network.id, ContentPage.url == item.url)
    ).one_or_none()
    if seen is not None and seen.revision != item.revision and not page.update_requested:
        if not dry_run:
            seen.revision, seen.updated_at = item.revision, utcnow()
        return HookOutcome(
            HookStatus.IGNORED,
            reason="the page changed but its front matter does not ask for an update (notify_update: true)",
            warnings=warnings,
        )
    if seen is not None and seen.revision == item.revision:
        event = message_repo.get_event_by_source_key(uow.session, network.id, item.source_key)
        return HookOutcome(HookStatus.DUPLICATE, event.id if event else None, warnings=warnings)
    item = replace(item, updated=seen is not None)
    topics = tuple(
        t.slug for t in route_topics(network, network_repo.list_topics(uow.session, network.id), item)
    )
    if dry_run:
        return HookOutcome(HookStatus.QUEUED, warnings=warnings, topics=topics, update=item.updated)
    published = publish_content(uow, queue, network, item)
    _remember(uow, network, item, seen)
    status = HookStatus.DUPLICATE if published.duplicate else HookStatus.QUEUED
    return HookOutcome(
        status,
        published.event_id,
        tuple(published.message_ids),
        warnings=warnings,
        topics=topics if not published.duplicate else (),
        update=item.updated,
    )


def seen_before(session: Session, network_id: int, url: str) -> bool:
    """Whether the hook has recorded this page already (a new email for it is an "Updated:" one)."""
    query = select(ContentPage.id).where(ContentPage.network_id == network_id, ContentPage.url == url)
    return session.scalars(query).first() is not None


def _remember(uow: UnitOfWork, network: Network, item: ContentItem, seen: ContentPage | None) -> None:
    now = utcnow()
    if seen is not None:
        seen.revision, seen.updated_at = item.revision, now
        return
    try:
        with uow.session.begin_nested():
            uow.session.add(ContentPage(network_id=network.id, url=item.url, revision=item.revision))
            uow.session.flush()
    except IntegrityError:
        pass  # a concurrent request for the same page recorded it first; its event is the same one


def _revision_of(source: str, body: str | None) -> str:
    canonical = source + "\x00" + (body or "")
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _excerpt(fields: PageFields, body: str | None, summary: str | None) -> str:
    values = fields.values
    for key in ("excerpt", "description", "summary"):
        written = fm.text_value(values, key, fields.field(key), max_length=EXCERPT_LIMIT * 2)
        if written:
            return markup_to_text(written)[:EXCERPT_LIMIT]
    if not body:
        return (summary or "")[:EXCERPT_LIMIT]
    separator = fm.text_value(values, "excerpt_separator", fields.field("excerpt_separator"), max_length=50)
    if separator and separator in body:
        return markup_to_text(body.split(separator, 1)[0])[:EXCERPT_LIMIT]
    return body_summary(body)


def _author(fields: PageFields) -> str:
    """`author: Sam`, `author: {name: Sam}` or a list of either, as sites write it."""
    value = fields.values.get("author")
    names = value if isinstance(value, list) else [value]
    found: list[str] = []
    for entry in names:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if name is None:
            continue
        if isinstance(name, (dict, list, bool)):
            raise fm.FieldProblem(fields.field("author"), "must be a name, {name: ...} or a list of names")
        found.append(one_line(str(name)))
    author = ", ".join(n for n in found if n)
    if len(author) > 200:
        raise fm.FieldProblem(fields.field("author"), "must be at most 200 characters")
    return author


def _renamed(fields: PageFields, names: Mapping[str, tuple[str, ...]]) -> PageFields:
    values, renamed = site_settings.canonical(fields.values, names)
    origin = {**fields.origin, **{field: fields.field(key) for field, key in renamed.items()}}
    return replace(fields, values=values, origin=origin)


def _event(
    fields: PageFields,
    lenient: _Lenient,
    when: tuple[datetime, tzinfo],
    names: Mapping[str, tuple[str, ...]],
) -> dict[str, str | bool | None] | None:
    """The `event:` block; without a readable start it is left out (the page still goes out). Dates
    without a time make an all-day event, read in the site's zone (`when`: now and the zone)."""
    now, zone = when
    block = fields.values.get("event")
    if block is None:
        return None
    prefix = fields.field("event")
    if not isinstance(block, dict):
        raise fm.FieldProblem(prefix, "must be a mapping with start, end, location...")
    block, _ = site_settings.canonical(block, names, "event")
    start = fm.datetime_value(block, "start", f"{prefix}.start", local=zone)
    if start is None:
        raise fm.FieldProblem(f"{prefix}.start", "is required in an event block")
    end = lenient(lambda: fm.datetime_value(block, "end", f"{prefix}.end", local=zone), None)
    if end is not None and end < start:
        lenient.warn(f"{prefix}.end", "is before the start; left out of the email")
        end = None
    deadline = lenient(lambda: _deadline(block, f"{prefix}.registration_deadline", zone), None)
    if deadline is not None and deadline < now:
        lenient.warn(f"{prefix}.registration_deadline", "has passed; left out of the email")
        deadline = None
    location = lenient(lambda: fm.text_value(block, "location", f"{prefix}.location", max_length=300), "")
    all_day = fm.is_date_only(block.get("start")) and (end is None or fm.is_date_only(block.get("end")))
    return {
        "start": start.isoformat(),
        "end": _iso(end),
        "all_day": all_day,
        "location": one_line(location) or None,
        "registration_deadline": _iso(deadline),
        "contact_email": lenient(
            lambda: fm.email_value(block, "contact_email", f"{prefix}.contact_email"), None
        ),
    }


def ended(event: Mapping[str, Any] | None, now: datetime) -> bool:
    """Whether an event block (as `_event` makes it) is over: its end (or start), a day's end for
    an all-day event, is before `now`."""
    if not event or not event.get("start"):
        return False
    last = datetime.fromisoformat(str(event.get("end") or event["start"]))
    if event.get("all_day"):
        last += timedelta(days=1)
    return last <= now


def _deadline(block: dict[str, Any], field_name: str, zone: tzinfo) -> datetime | None:
    deadline = fm.datetime_value(block, "registration_deadline", field_name, local=zone)
    if deadline is not None and fm.is_date_only(block["registration_deadline"]):
        deadline = deadline.replace(hour=23, minute=59)  # "register by 18 March" means by the end of it
    return deadline


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
