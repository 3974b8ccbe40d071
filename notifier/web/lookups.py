"""What several page routes look up first: the network named in the path, or the person a signed
preferences link names; each answers with the right GOV.UK page when there is nothing to find."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.responses import HTMLResponse

from notifier.db.models import Network, Subscriber
from notifier.repositories import networks as network_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.tokens import ExpiredToken, InvalidToken, TokenPurpose
from notifier.web.deps import LinksDep, UowDep
from notifier.web.pages import render_page

EXPIRED_EXPLANATION = (
    "Links to your email preferences stop working after a year. "
    "The unsubscribe link at the bottom of every email always works."
)
INVALID_EXPLANATION = "It may have been copied incompletely."


@dataclass(frozen=True)
class Person:
    network: Network
    subscriber: Subscriber


def link_problem(
    exc: InvalidToken | None,
    *,
    expired_explanation: str = EXPIRED_EXPLANATION,
    invalid_explanation: str = INVALID_EXPLANATION,
    status_code: int = 400,
    network: Network | None = None,
    offer_new_link: bool = False,
) -> HTMLResponse:
    """The page for a forged, damaged, expired or no longer useful link, in the network's header when
    the link still shows which network it came from."""
    expired = isinstance(exc, ExpiredToken)
    return render_page(
        "link_problem.html",
        status_code=status_code,
        network=network,
        new_link_url=(f"/unsubscribe/new-link/{network.slug}" if network is not None else "/")
        if offer_new_link
        else None,
        title="This link has expired" if expired else "This link is not valid",
        explanation=expired_explanation if expired else invalid_explanation,
    )


def hinted_network(uow: UowDep, links: LinksDep, token: str) -> Network | None:
    """The network a damaged or expired link seems to come from (unverified: for the page's header and
    contact link only)."""
    network_id = links.signer.unverified_network_id(token)
    return None if network_id is None else uow.session.get(Network, network_id)


def network_or_404(uow: UowDep, slug: str) -> Network | HTMLResponse:
    network = network_repo.get_network_by_slug(uow.session, slug)
    if network is None:
        return render_page(
            "link_problem.html",
            status_code=404,
            title="Page not found",
            explanation="There is no network at this address. Check the link on the network's website.",
        )
    return network


def person_from_preferences_link(uow: UowDep, links: LinksDep, token: str) -> Person | InvalidToken | None:
    """The network and subscriber a signed preferences link names; the token's error, or None when
    the person is no longer held."""
    try:
        ref = links.read(TokenPurpose.MANAGE, token)
    except InvalidToken as exc:
        return exc
    network = uow.session.get(Network, ref.network_id)
    subscriber = subscriber_repo.get_subscriber(uow.session, ref.network_id, ref.subscriber_id)
    if network is None or subscriber is None:
        return None
    return Person(network, subscriber)
