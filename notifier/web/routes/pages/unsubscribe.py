"""Unsubscribe links. POST unsubscribes (RFC 8058 one-click: no login, no redirect, idempotent, 2xx);
GET only shows a confirmation page, so link scanners that fetch URLs never unsubscribe anyone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from notifier.db.base import utcnow
from notifier.db.models import Network, Subscriber, Topic
from notifier.domain.statuses import ConsentSource, SubscriptionEndReason
from notifier.repositories import networks as network_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.links import SubscriberRef
from notifier.services.common.tokens import InvalidToken, TokenPurpose
from notifier.services.subscribers.subscriptions import unsubscribe
from notifier.web.deps import LinksDep, UowDep
from notifier.web.lookups import hinted_network
from notifier.web.pages import render_page

router = APIRouter(tags=["unsubscribe"])

FORM_MARKER = b"via=page"
MAX_BODY_BYTES = 1024


def _resolve(uow: UowDep, ref: SubscriberRef) -> tuple[Network, Subscriber, Topic | None] | None:
    network = uow.session.get(Network, ref.network_id)
    subscriber = subscriber_repo.get_subscriber(uow.session, ref.network_id, ref.subscriber_id)
    if network is None or subscriber is None:
        return None
    topic = None if ref.topic_id is None else network_repo.get_topic(uow.session, network.id, ref.topic_id)
    return network, subscriber, topic


def _link_problem(uow: UowDep, links: LinksDep, token: str, *, gone: bool = False) -> HTMLResponse:
    """Unsubscribe links never expire, so the problem is a damaged link or a person we no longer hold."""
    network = hinted_network(uow, links, token)
    if gone:
        title = "You are not on this mailing list"
        explanation = "We no longer hold your details, so you will not get any more emails from this network."
        next_step = None
    else:
        title = "This unsubscribe link is not complete"
        explanation = "Part of the link may be missing. This can happen when a link is copied from an email."
        next_step = (
            "Try the unsubscribe link at the bottom of any other email from the network, or get a new link."
        )
    return render_page(
        "link_problem.html",
        status_code=400,
        title=title,
        explanation=explanation,
        next_step=next_step,
        network=network,
        new_link_url=None
        if gone
        else f"/unsubscribe/new-link/{network.slug}"
        if network is not None
        else "/",
    )


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def confirm_unsubscribe(token: str, uow: UowDep, links: LinksDep) -> HTMLResponse:
    try:
        ref = links.read(TokenPurpose.UNSUBSCRIBE, token)
    except InvalidToken:
        return _link_problem(uow, links, token)
    found = _resolve(uow, ref)
    if found is None:
        return _link_problem(uow, links, token, gone=True)
    network, _subscriber, topic = found
    return render_page(
        "unsubscribe_confirm.html",
        title="Are you sure you want to unsubscribe?",
        network=network,
        topic_name=topic.name if topic else None,
        action=f"/unsubscribe/{token}",
        manage_url=links.manage_url(ref),
    )


async def _small_body(request: Request) -> bytes:
    """RFC 8058 bodies are tiny (`List-Unsubscribe=One-Click`); nothing larger is read."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            break
    return bytes(body[:MAX_BODY_BYTES])


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_now(
    token: str, body: Annotated[bytes, Depends(_small_body)], uow: UowDep, links: LinksDep
) -> HTMLResponse:
    source = ConsentSource.FORM if FORM_MARKER in body else ConsentSource.ONE_CLICK
    try:
        ref = links.read(TokenPurpose.UNSUBSCRIBE, token)
    except InvalidToken:
        return _link_problem(uow, links, token)
    found = _resolve(uow, ref)
    if found is None:
        return _link_problem(uow, links, token, gone=True)
    network, subscriber, topic = found
    reason = (
        SubscriptionEndReason.UNSUBSCRIBED
        if source is ConsentSource.FORM
        else SubscriptionEndReason.ONE_CLICK
    )
    unsubscribe(
        uow.session, network, subscriber, topic_id=ref.topic_id, source=source, reason=reason, now=utcnow()
    )
    return render_page(
        "unsubscribed.html",
        title="You have unsubscribed",
        network=network,
        topic_name=topic.name if topic else None,
        manage_url=links.manage_url(ref),
    )
