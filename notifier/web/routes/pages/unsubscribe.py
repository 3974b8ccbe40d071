"""Unsubscribe links. POST unsubscribes (RFC 8058 one-click: no login, no redirect, idempotent, 2xx);
GET only shows a confirmation page, so link scanners that fetch URLs never unsubscribe anyone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse

from notifier.services.common.tokens import TokenPurpose
from notifier.services.subscribers.linked_people import LinkedPerson, LinkRefused, person_from_link
from notifier.services.subscribers.preferences_view import unsubscribe_from_link, unsubscribe_view
from notifier.web.deps import LinksDep, NowDep, UowDep
from notifier.web.pages import render_page
from notifier.web.problems import Problem

router = APIRouter(tags=["unsubscribe"])

FORM_MARKER = b"via=page"
MAX_BODY_BYTES = 1024


def _link_problem(refused: LinkRefused) -> Problem:
    """Unsubscribe links never expire, so the problem is a damaged link or a person we no longer hold."""
    network = refused.network
    if refused.gone:
        return Problem(
            status.HTTP_400_BAD_REQUEST,
            "You are not on this mailing list",
            "We no longer hold your details, so you will not get any more emails from this network.",
            network=network,
            context={"next_step": None},
        )
    return Problem(
        status.HTTP_400_BAD_REQUEST,
        "This unsubscribe link is not complete",
        "Part of the link may be missing. This can happen when a link is copied from an email.",
        network=network,
        context={
            "next_step": "Try the unsubscribe link at the bottom of any other email from the network, "
            "or get a new link.",
            "new_link_url": f"/unsubscribe/new-link/{network.slug}" if network is not None else "/",
        },
    )


def _person(token: str, uow: UowDep, links: LinksDep) -> LinkedPerson:
    try:
        return person_from_link(uow.session, links, TokenPurpose.UNSUBSCRIBE, token)
    except LinkRefused as refused:
        raise _link_problem(refused) from refused


PersonDep = Annotated[LinkedPerson, Depends(_person)]


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def confirm_unsubscribe(token: str, person: PersonDep, links: LinksDep) -> HTMLResponse:
    """Asks before unsubscribing; a link already used says so, with the ways back."""
    view = unsubscribe_view(person)
    return render_page(
        "unsubscribe_already.html" if view.already else "unsubscribe_confirm.html",
        title="You have already unsubscribed" if view.already else "Are you sure you want to unsubscribe?",
        network=person.network,
        topic_name=view.topic.name if view.topic else None,
        action=f"/unsubscribe/{token}",
        manage_url=links.manage_url(person.ref),
        subscribe_url=f"/subscribe/{person.network.slug}",
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
    body: Annotated[bytes, Depends(_small_body)], person: PersonDep, links: LinksDep, now: NowDep
) -> HTMLResponse:
    topic = unsubscribe_from_link(person, one_click=FORM_MARKER not in body, now=now)
    return render_page(
        "unsubscribed.html",
        title="You have unsubscribed",
        network=person.network,
        topic_name=topic.name if topic else None,
        manage_url=links.manage_url(person.ref),
    )
