"""The person a signed link in an email names, as a dependency: the route gets a `LinkedPerson`, or the
request stops with the page that explains the link (forged, damaged, expired, or the person is gone)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request

from notifier.services.common.tokens import TokenPurpose
from notifier.services.subscribers.linked_people import LinkedPerson, LinkRefused, person_from_link
from notifier.web.deps import LinksDep, UowDep
from notifier.web.problems import Problem, remember_frame

EXPIRED_EXPLANATION = (
    "Links to your email preferences stop working after a year. "
    "The unsubscribe link at the bottom of every email always works."
)
INVALID_EXPLANATION = "It may have been copied incompletely."


@dataclass(frozen=True)
class LinkWording:
    """What the page says about a link that names nobody, by what went wrong."""

    expired: str = EXPIRED_EXPLANATION
    invalid: str = INVALID_EXPLANATION
    offer_new_link: bool = False
    show_network: bool = True


def link_problem(
    refused: LinkRefused | None, wording: LinkWording = LinkWording(), *, status_code: int = 400
) -> Problem:
    """The page for a link that names nobody, in the network's frame when the link shows which."""
    expired = refused is not None and refused.expired
    network = refused.network if refused is not None and wording.show_network else None
    offer = wording.offer_new_link and refused is not None and not refused.gone
    return Problem(
        status_code,
        "This link has expired" if expired else "This link is not valid",
        wording.expired if expired else wording.invalid,
        network=network,
        context={"new_link_url": (f"/unsubscribe/new-link/{network.slug}" if network is not None else "/")}
        if offer
        else {},
    )


def person_link(purpose: TokenPurpose, wording: LinkWording = LinkWording()) -> Any:
    """For `Annotated[LinkedPerson, person_link(...)]` on a route whose path has `{token}`."""

    def _person(token: str, request: Request, uow: UowDep, links: LinksDep) -> LinkedPerson:
        try:
            person = person_from_link(uow.session, links, purpose, token)
        except LinkRefused as refused:
            raise link_problem(refused, wording) from refused
        remember_frame(request, person.network)
        return person

    return Depends(_person)
