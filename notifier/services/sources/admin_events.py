"""Site content given by hand through the admin API (a page the hook missed, say), and the list of
the network's events; the page is read exactly as the publish hook reads it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from notifier.db.models import Event
from notifier.db.session import UnitOfWork
from notifier.services.common import audit
from notifier.services.common.ports import TaskQueue
from notifier.services.common.scope import NetworkScope
from notifier.services.sources.content_hook import HookOutcome, PageFields, read_page, receive_page
from notifier.services.sources.frontmatter import FieldProblem


def event_list(scope: NetworkScope, limit: int) -> list[Event]:
    query = scope.rows(Event).order_by(Event.id.desc()).limit(limit)
    return list(scope.session.scalars(query))


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).netloc
    except ValueError:  # e.g. "https://[": not a link at all
        return None


def add_page_by_hand(
    uow: UnitOfWork,
    queue: TaskQueue,
    scope: NetworkScope,
    *,
    url: str,
    collection: str,
    front_matter: dict[str, Any],
    body: str | None,
    actor: str,
) -> HookOutcome:
    """Raises FieldProblem naming the field (the url included) and stores nothing then."""
    network = scope.network
    if _host(url) != urlsplit(network.site_url).netloc:
        raise FieldProblem("url", f"must be on the network's site {network.site_url}")
    page = read_page(
        url=url,
        collection=collection,
        layout="",
        revision=None,
        fields=PageFields.merge(front_matter, {}, json.dumps(front_matter, sort_keys=True, default=str)),
        body=body,
        field_map=network.settings.get("fields"),
    )
    outcome = receive_page(uow, queue, network, page)
    audit.record(uow.session, network.id, actor, "event.create", "event", outcome.event_id)
    return outcome
