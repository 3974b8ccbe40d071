"""A network's site as notifier knows it: the whole page list, posted by `notifier hook post` (or
`connect`), compared with the pages notifier already knows.

Connecting records every page as known and sends nothing. After that a page is new only when
notifier does not know its URL (nor its source path, which catches a page whose URL changed); a new
page is emailed unless it is dated before the connection, is an event that has ended, or says
`notify: false` (then it is recorded without email, with the reason). A known page that changed is
stored again, and emailed as "Updated:" only when its front matter asks (`notify_update: true`).
When a whole list is complete, the known pages it no longer has are marked gone (they come back,
unsent, if they reappear). Nothing depends on git history or on which lists arrived before: a
re-run, a list from an older commit or two runs at once can neither lose a page nor send one twice
(a page's URL is unique, and its email is keyed on URL and content hash).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from notifier.db.models import ContentPage, Network, Topic
from notifier.db.session import UnitOfWork
from notifier.domain.sources import PageOutcome
from notifier.rendering.site_time import site_zone
from notifier.repositories import networks as network_repo
from notifier.services.common.ports import TaskQueue
from notifier.services.sources import frontmatter as fm
from notifier.services.sources.content_hook import Page, PageFields, ended, read_page
from notifier.services.sources.publishing import ContentItem, publish_content, route_topics

MAX_PAGES_PER_REQUEST = 100
CONNECT_PENDING = "site_connect_pending"  # network.settings key: the next whole list connects


class ListMode(StrEnum):
    CONNECT = "connect"  # record every page as known; send nothing
    POST = "post"  # send what is new


class PageAction(StrEnum):
    KNOWN = "known"  # connecting: recorded, nothing sent
    SEND = "send"  # new: emailed to its topics
    RECORD = "record"  # new, recorded without email (the reason says why)
    UPDATE = "update"  # changed, and its front matter asks for an "Updated:" email
    CHANGED = "changed"  # changed: stored, nothing sent
    UNCHANGED = "unchanged"
    REFUSE = "refuse"  # no email could be made (no title): nothing stored


class NotConnected(ValueError):
    """The site has not been connected: posting it now would email every page it ever had."""


@dataclass(frozen=True)
class ListedPage:
    """One page of the list, as the site's reader made it (its body already summarised)."""

    path: str
    url: str
    revision: str
    collection: str
    layout: str
    front_matter: str | None  # the YAML text between the --- lines
    explicit: dict[str, Any]  # what Jekyll adds to it (date, categories, tags, a title from defaults)
    summary: str | None = None

    def fields(self) -> PageFields:
        """Front matter under the explicit fields; raises FieldProblem when the YAML is unusable."""
        matter = fm.load_front_matter(self.front_matter) if self.front_matter is not None else None
        source = (self.front_matter or "") + json.dumps(self.explicit, sort_keys=True, default=str)
        return PageFields.merge(matter, self.explicit, source)


@dataclass(frozen=True)
class PageList:
    mode: ListMode
    pages: list[ListedPage]
    run_started: datetime | None = None  # None on a run's first request; then the answer's, echoed
    final: bool = True  # the run's last request
    complete: bool = True  # the run lists the whole site (not only what changed since a revision)
    timezone: str | None = None  # the zone the site's dates were read in
    dry_run: bool = False


@dataclass
class PageAnswer:
    path: str
    url: str
    action: PageAction
    reason: str = ""
    collection: str = ""
    title: str = ""
    date: str | None = None
    topics: list[str] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ListAnswer:
    run_started: datetime
    mode: ListMode
    pages: list[PageAnswer]
    gone: list[str]


@dataclass
class _Run:
    uow: UnitOfWork
    queue: TaskQueue
    network: Network
    listing: PageList
    mode: ListMode
    now: datetime
    topics: list[Topic]
    known: dict[str, ContentPage]  # by URL, and by "path:" + source path


def receive_list(
    uow: UnitOfWork, queue: TaskQueue, network: Network, listing: PageList, *, now: datetime
) -> ListAnswer:
    """Compare one request of a site's page list with what notifier knows, record it and send what is
    new; raises NotConnected when the site was never connected."""
    mode = _mode(network, listing)
    run_started = listing.run_started or now
    if not listing.dry_run:
        _note_connection(network, listing, mode, now)
    run = _Run(
        uow, queue, network, listing, mode, now,
        topics=network_repo.list_topics(uow.session, network.id),
        known=_known(uow, network, listing.pages),
    )  # fmt: skip
    answers = [_one(run, page) for page in listing.pages]
    gone = _gone(uow, network, run_started, now, dry_run=listing.dry_run) if _closes(listing) else []
    if _closes(listing) and mode is ListMode.CONNECT and not listing.dry_run:
        network.settings = {k: v for k, v in network.settings.items() if k != CONNECT_PENDING}
    return ListAnswer(run_started, mode, answers, gone)


def _closes(listing: PageList) -> bool:
    return listing.final and listing.complete


def _mode(network: Network, listing: PageList) -> ListMode:
    if listing.mode is ListMode.CONNECT:
        return ListMode.CONNECT
    pending = network.settings.get(CONNECT_PENDING) and listing.complete and listing.run_started is None
    if pending:
        return ListMode.CONNECT  # an admin asked (admin web) that the next whole list connects the site
    if network.site_connected_at is None:
        raise NotConnected(
            "the site is not connected yet: run `notifier hook connect` (or connect it in the admin "
            "web's site settings), so that its existing pages are recorded and not emailed"
        )
    return ListMode.POST


def _note_connection(network: Network, listing: PageList, mode: ListMode, now: datetime) -> None:
    if listing.timezone:
        network.site_timezone = listing.timezone
    if mode is ListMode.CONNECT and listing.run_started is None:
        network.site_connected_at = now


def _known(uow: UnitOfWork, network: Network, pages: list[ListedPage]) -> dict[str, ContentPage]:
    urls, paths = {p.url for p in pages}, {p.path for p in pages if p.path}
    rows = uow.session.scalars(
        select(ContentPage).where(
            ContentPage.network_id == network.id,
            or_(ContentPage.url.in_(urls), ContentPage.path.in_(paths)),
        )
    ).all()
    found: dict[str, ContentPage] = {}
    for row in rows:
        found[row.url] = row
        if row.path:
            found.setdefault(f"path:{row.path}", row)
    return found


def _one(run: _Run, listed: ListedPage) -> PageAnswer:
    answer = PageAnswer(listed.path, listed.url, PageAction.UNCHANGED, collection=listed.collection)
    try:
        page = read_page(
            url=listed.url,
            collection=listed.collection,
            layout=listed.layout,
            revision=listed.revision,
            fields=listed.fields(),
            body=None,
            now=run.now,
            field_map=run.network.settings.get("fields"),
            zone=site_zone(run.listing.timezone or run.network.site_timezone),
            summary=listed.summary,
        )
    except fm.FieldProblem as exc:
        answer.action, answer.reason = PageAction.REFUSE, f"{exc.field}: {exc.message}"
        return answer
    item = replace(page.item, timezone=run.listing.timezone or run.network.site_timezone or "")
    answer.title, answer.warnings = item.title, item.warnings
    answer.date = item.date.isoformat() if item.date else None
    row = run.known.get(listed.url) or run.known.get(f"path:{listed.path}")
    if row is None:
        return _new(run, listed, page, item, answer)
    return _seen(run, listed, row, page, item, answer)


def _no_email_reason(run: _Run, page: Page, item: ContentItem) -> str:
    """Why a new page is recorded without email, or "" when it is sent. Connecting, the date of the
    connection does not count: the reason is what would have stopped it had the site not been."""
    connected = run.network.site_connected_at if run.mode is ListMode.POST else None
    if not page.published or page.preview:
        return "the page is not published (published: false or preview)"
    if not page.notify:
        return "the page says notify: false"
    if connected is not None and item.date is not None and item.date < connected:
        return "dated before the site was connected"
    if ended(item.event, run.now):
        return "the event has ended"
    return ""


def _new(run: _Run, listed: ListedPage, page: Page, item: ContentItem, answer: PageAnswer) -> PageAnswer:
    why_not = _no_email_reason(run, page, item)
    topics = [t.slug for t in route_topics(run.network, run.topics, item)]
    if run.mode is ListMode.CONNECT:
        # What would have been sent had the site not been connected (its date aside).
        answer.action, answer.reason = PageAction.KNOWN, why_not
        answer.topics = [] if why_not else topics
        outcome, note = PageOutcome.CONNECTED, ""
    elif why_not:
        answer.action, answer.reason = PageAction.RECORD, why_not
        outcome, note = PageOutcome.RECORDED, why_not
    else:
        answer.action, answer.topics = PageAction.SEND, topics
        outcome, note = PageOutcome.SENT, ""
    if run.listing.dry_run:
        return answer
    row = _stored(run, listed, item, outcome, note)
    if row is None:  # another request recorded the same page first: that one decided
        return replace(answer, action=PageAction.UNCHANGED, reason="", topics=[])
    if outcome is PageOutcome.SENT:
        publish_content(run.uow, run.queue, run.network, item)
    return answer


def _stored(
    run: _Run, listed: ListedPage, item: ContentItem, outcome: PageOutcome, note: str
) -> ContentPage | None:
    row = ContentPage(
        network_id=run.network.id,
        url=listed.url,
        revision=item.revision,
        first_seen_at=run.now,
        updated_at=run.now,
        outcome=outcome,
        note=note,
        seen_at=run.now,
    )
    _describe(row, listed, item)
    try:
        with run.uow.session.begin_nested():
            run.uow.session.add(row)
            run.uow.session.flush()
    except IntegrityError:
        return None
    run.known[row.url] = row
    return row


def _describe(row: ContentPage, listed: ListedPage, item: ContentItem) -> None:
    """What the admin pages and a send on purpose need: the page's email, as sent (or as it would be)."""
    email = asdict(item)
    email["date"] = item.date.isoformat() if item.date else None
    row.path, row.collection, row.title = listed.path[:500], item.collection[:100], item.title[:300]
    row.page_date, row.email = item.date, email


def _seen(
    run: _Run, listed: ListedPage, row: ContentPage, page: Page, item: ContentItem, answer: PageAnswer
) -> PageAnswer:
    changed = row.revision != item.revision or row.url != listed.url
    if changed and page.update_requested and run.mode is ListMode.POST and page.published:
        answer.action, answer.topics = (
            PageAction.UPDATE,
            [t.slug for t in route_topics(run.network, run.topics, item)],
        )
    elif changed:
        answer.action = PageAction.CHANGED
    if run.listing.dry_run:
        return answer
    row.seen_at, row.gone_at = run.now, None
    if changed:
        row.url, row.revision, row.updated_at = listed.url, item.revision, run.now
        _describe(row, listed, item)
    if answer.action is PageAction.UPDATE:
        publish_content(run.uow, run.queue, run.network, replace(item, updated=True))
    return answer


def _gone(
    uow: UnitOfWork, network: Network, run_started: datetime, now: datetime, *, dry_run: bool
) -> list[str]:
    """Known pages no list has had since this run started: the site no longer has them."""
    missing = (
        ContentPage.network_id == network.id,
        ContentPage.gone_at.is_(None),
        or_(ContentPage.seen_at.is_(None), ContentPage.seen_at < run_started),
    )
    urls = list(uow.session.scalars(select(ContentPage.url).where(*missing).order_by(ContentPage.url)))
    if urls and not dry_run:
        uow.session.execute(
            update(ContentPage)
            .where(*missing)
            .values(gone_at=now)
            .execution_options(synchronize_session=False)
        )
    return urls


def network_named(uow: UnitOfWork, slug: str) -> Network | None:
    """The network whose site posts its list (the hook checks the signature with its secrets)."""
    return network_repo.get_network_by_slug(uow.session, slug)
