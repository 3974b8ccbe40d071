"""What a signed-in reader sees: the items they may read by topic and month, page by page; one item
rendered as its email (the archive's copy: no reader's links); and search across what they may read,
with each match marked in an excerpt that is escaped before the marks are added."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from markupsafe import Markup, escape

from notifier.db.models import ArchiveItem, Topic
from notifier.rendering.contexts import Footer, FooterReason
from notifier.rendering.emails import EmailKind, RenderedEmail, render_email
from notifier.rendering.london_time import LONDON
from notifier.repositories import archive as repo
from notifier.services.archive.access import Reader
from notifier.services.common.scope import NotFound
from notifier.services.delivery.emails import CONTEXT_BUILDERS

PAGE_SIZE = 20
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Listed:
    item: ArchiveItem
    topics: list[Topic]
    excerpt: Markup | None = None  # a search's excerpt, matches in <mark>


@dataclass(frozen=True)
class Month:
    label: str  # "March 2026"
    items: list[Listed]


@dataclass(frozen=True)
class ArchivePage:
    months: list[Month]
    page: int
    has_next: bool
    topics: list[Topic]  # those the reader may filter by
    topic: Topic | None
    total: int | None = None


def _page_number(page: int) -> int:
    return min(max(page, 1), MAX_PAGE)


def readable_topics(reader: Reader) -> list[Topic]:
    topics = reader.scope.topics()
    if reader.visibility.everything:
        return topics
    return [t for t in topics if t.id in reader.visibility.topics]


def _by_month(listed: Iterable[Listed]) -> list[Month]:
    def month(entry: Listed) -> str:
        return entry.item.sent_at.astimezone(LONDON).strftime("%B %Y")

    return [Month(label, list(entries)) for label, entries in groupby(listed, key=month)]


def archive_page(reader: Reader, *, topic_slug: str = "", page: int = 1) -> ArchivePage:
    """One page of the reader's items, newest first, grouped by month; a topic they cannot read
    is NotFound, as a topic that does not exist."""
    session, page = reader.scope.session, _page_number(page)
    topics = readable_topics(reader)
    topic = next((t for t in topics if t.slug == topic_slug), None) if topic_slug else None
    if topic_slug and topic is None:
        raise NotFound("topic")
    query = repo.visible_items(reader.visibility, topic.id if topic else None)
    items = list(session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)))
    shown = items[:PAGE_SIZE]
    found = repo.topics_of(session, [i.id for i in shown])
    listed = [Listed(i, _readable(reader, found[i.id])) for i in shown]
    total = repo.count_visible(session, reader.visibility, topic.id if topic else None)
    return ArchivePage(_by_month(listed), page, len(items) > PAGE_SIZE, topics, topic, total)


def _readable(reader: Reader, topics: list[Topic]) -> list[Topic]:
    """An item's topics as this reader may know them (never a members-only topic they are not in)."""
    if reader.visibility.everything:
        return topics
    return [t for t in topics if t.id in reader.visibility.topics]


def highlighted(excerpt: str) -> Markup:
    """The excerpt escaped as HTML, then each match put in <mark>: no text of an email becomes markup."""
    safe = str(escape(excerpt))
    return Markup(safe.replace(repo.MATCH_START, "<mark>").replace(repo.MATCH_END, "</mark>"))  # noqa: S704


@dataclass(frozen=True)
class SearchResults:
    query: str
    words: list[str]
    results: list[Listed]
    page: int
    has_next: bool


def search(reader: Reader, query: str, *, page: int = 1) -> SearchResults:
    """Items the reader may read that hold every word of the query, newest first."""
    page, words = _page_number(page), repo.search_words(query)
    found = repo.search(
        reader.scope.session, reader.visibility, words, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    shown = found[:PAGE_SIZE]
    topics = repo.topics_of(reader.scope.session, [item.id for item, _ in shown])
    results = [Listed(item, _readable(reader, topics[item.id]), highlighted(text)) for item, text in shown]
    return SearchResults(query, words, results, page, len(found) > PAGE_SIZE)


@dataclass(frozen=True)
class ReadItem:
    item: ArchiveItem
    topics: list[Topic]
    email: RenderedEmail
    sent_at: datetime


def read_item(reader: Reader, item_id: int, public_base_url: str) -> ReadItem:
    """One item the reader may read, rendered as its email; NotFound for anything else (another
    network's, a topic they cannot read, withdrawn), as for an item that does not exist."""
    item = repo.visible_item(reader.scope.session, reader.visibility, item_id)
    if item is None:
        raise NotFound("archive item")
    topics = _readable(reader, repo.topics_of(reader.scope.session, [item.id])[item.id])
    return ReadItem(item, topics, archive_copy(reader, item, topics, public_base_url), item.sent_at)


def archive_copy(
    reader: Reader, item: ArchiveItem, topics: list[Topic], public_base_url: str
) -> RenderedEmail:
    """The item's email as everyone got it, with the archive's footer instead of a reader's links."""
    network = reader.network
    archive_url = f"{public_base_url}/archive/{network.slug}"
    footer = Footer(
        network_name=network.name,
        topic_name=", ".join(t.name for t in topics) or network.name,
        manage_url=archive_url,
        unsubscribe_url=archive_url,
        privacy_notice_url=network.privacy_notice_url,
        reason=FooterReason.ARCHIVE,
    )
    kind = EmailKind(item.email_kind)
    context = CONTEXT_BUILDERS[kind](item.context, network, footer)
    return render_email(kind, context, allowed_origins=(network.site_url, public_base_url))
