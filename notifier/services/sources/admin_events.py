"""Site content given by hand through the admin API (a page the hook missed, say), and the list of
the network's events; the page is read exactly as the publish hook reads it.

Unlike the site's signed hook (the site's own publishing), a page given through the admin API carries
words a person chose to send now: on a network that requires sign-off it waits for someone else to
approve it in the web admin, and goes out then (`approvals.py` calls `publish_page`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from notifier.db.models import Event, Network
from notifier.db.session import UnitOfWork
from notifier.domain.sign_off import ApprovalKind
from notifier.rendering.emails import EmailKind
from notifier.repositories import networks as network_repo
from notifier.services.common import audit
from notifier.services.common.actors import Actor
from notifier.services.common.ports import TaskQueue
from notifier.services.common.scope import NetworkScope
from notifier.services.delivery.audiences import count_audience
from notifier.services.delivery.email_previews import EmailPreview
from notifier.services.sources.approval_requests import ApprovalError, Ask, Told, ask
from notifier.services.sources.content_hook import (
    HookOutcome,
    HookStatus,
    Page,
    PageFields,
    read_page,
    receive_page,
    seen_before,
)
from notifier.services.sources.frontmatter import FieldProblem
from notifier.services.sources.publishing import content_payload, route_topics


def event_list(scope: NetworkScope, limit: int) -> list[Event]:
    query = scope.rows(Event).order_by(Event.id.desc()).limit(limit)
    return list(scope.session.scalars(query))


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).netloc
    except ValueError:  # e.g. "https://[": not a link at all
        return None


@dataclass(frozen=True)
class PageByHand:
    url: str
    collection: str
    front_matter: dict[str, Any]
    body: str | None

    def read(self, network: Network) -> Page:
        """Raises FieldProblem naming the field (the url included)."""
        if _host(self.url) != urlsplit(network.site_url).netloc:
            raise FieldProblem("url", f"must be on the network's site {network.site_url}")
        source = json.dumps(self.front_matter, sort_keys=True, default=str)
        return read_page(
            url=self.url,
            collection=self.collection,
            layout="",
            revision=None,
            fields=PageFields.merge(self.front_matter, {}, source),
            body=self.body,
            field_map=network.settings.get("fields"),
        )


def add_page_by_hand(
    uow: UnitOfWork, queue: TaskQueue, scope: NetworkScope, page: PageByHand, *, actor: Actor, base_url: str
) -> tuple[HookOutcome, int | None]:
    """The outcome, and the approval request's id when the page waits for a second person. Raises
    FieldProblem naming the field and stores nothing then."""
    network = scope.network
    read = page.read(network)
    if network.requires_sign_off:
        would = receive_page(uow, queue, network, read, dry_run=True)
        if would.status is HookStatus.QUEUED:
            return would, _ask(uow, queue, network, read, page, actor, would, base_url)
        return would, None
    return publish_page(uow, queue, network, page, actor=actor.audit_name, sign_off="not_required"), None


def publish_page(
    uow: UnitOfWork,
    queue: TaskQueue,
    network: Network,
    page: PageByHand,
    *,
    actor: str,
    **audited: str | None,
) -> HookOutcome:
    outcome = receive_page(uow, queue, network, page.read(network))
    audit.record(uow.session, network.id, actor, "event.create", "event", outcome.event_id, **audited)
    return outcome


def page_email(session: Session, network: Network, page: PageByHand) -> tuple[EmailPreview, int]:
    """The email the page would send now, and to how many (its routed topics' subscribers)."""
    read = page.read(network)
    item = replace(read.item, updated=seen_before(session, network.id, read.item.url))
    topics = route_topics(network, network_repo.list_topics(session, network.id), item)
    counted = count_audience(session, network.id, [t.id for t in topics], [])
    email = EmailPreview(EmailKind.CONTENT, content_payload(item), topics[0].name if topics else None)
    return email, counted.people


def _ask(
    uow: UnitOfWork,
    queue: TaskQueue,
    network: Network,
    read: Page,
    page: PageByHand,
    actor: Actor,
    would: HookOutcome,
    base_url: str,
) -> int:
    email, people = page_email(uow.session, network, page)
    asked = Ask(ApprovalKind.CONTENT, read.item.title, {"page": asdict(page)})
    try:
        return ask(uow, queue, network, asked, actor, Told(email, people), base_url=base_url).id
    except ApprovalError as exc:  # none can clash: a page has no meeting
        raise FieldProblem(exc.field, exc.message) from exc
