"""Who a signed link in an email names: the network and the person, read once for every page that
such a link opens (preferences, rights requests, unsubscribing).

A link that names nobody we hold (forged, damaged, expired, or the person has since been deleted)
raises `LinkRefused`, which carries the network the link seems to come from, unverified, so the
page that explains it can still wear that network's name and offer its contact form.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from notifier.db.models import Network, Subscriber, Topic
from notifier.repositories import networks as network_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.common.scope import NetworkScope
from notifier.services.common.tokens import ExpiredToken, InvalidToken, TokenPurpose


class LinkRefused(Exception):
    """The link names nobody: `expired` or not `valid` (a token problem), or `gone` (we no longer
    hold the person it names)."""

    def __init__(self, cause: InvalidToken | None, network: Network | None) -> None:
        super().__init__("this link names nobody we hold")
        self.expired = isinstance(cause, ExpiredToken)
        self.gone = cause is None
        self.network = network


@dataclass(frozen=True)
class LinkedPerson:
    scope: NetworkScope
    subscriber: Subscriber
    ref: SubscriberRef

    @property
    def network(self) -> Network:
        return self.scope.network

    @property
    def topic(self) -> Topic | None:
        """The topic an unsubscribe link is for (None: every email of the network)."""
        if self.ref.topic_id is None:
            return None
        return network_repo.get_topic(self.scope.session, self.network.id, self.ref.topic_id)


def hinted_network(session: Session, links: LinkBuilder, token: str) -> Network | None:
    """The network a damaged or expired link seems to come from (unverified: for a page's header)."""
    network_id = links.signer.unverified_network_id(token)
    return None if network_id is None else session.get(Network, network_id)


def person_from_link(session: Session, links: LinkBuilder, purpose: TokenPurpose, token: str) -> LinkedPerson:
    try:
        ref = links.read(purpose, token)
    except InvalidToken as exc:
        raise LinkRefused(exc, hinted_network(session, links, token)) from exc
    network = session.get(Network, ref.network_id)
    subscriber = subscriber_repo.get_subscriber(session, ref.network_id, ref.subscriber_id)
    if network is None or subscriber is None:
        raise LinkRefused(None, network or hinted_network(session, links, token))
    return LinkedPerson(NetworkScope(session, network), subscriber, ref)
