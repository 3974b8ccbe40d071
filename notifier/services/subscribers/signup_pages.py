"""The subscribe and join pages' use cases: what the form offers, sending it, and the confirmation
link's page (its state, and confirming)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import Network, Topic
from notifier.db.session import UnitOfWork
from notifier.repositories import networks as network_repo
from notifier.repositories import signups as signup_repo
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.common.ports import TaskQueue
from notifier.services.common.scope import NetworkScope
from notifier.services.common.tokens import ExpiredToken, InvalidToken
from notifier.services.subscribers.addresses import readable_domains
from notifier.services.subscribers.linked_people import hinted_network
from notifier.services.subscribers.signup_form import (
    SignupForm,
    check_signup,
    consent_statement,
    eligibility_statement,
    public_topics,
)
from notifier.services.subscribers.signups import (
    Confirmation,
    ConfirmLinks,
    ConfirmRef,
    SignupContext,
    confirm_signup,
    request_signup,
)


@dataclass(frozen=True)
class SignupPage:
    topics: list[Topic]
    allowed_domains: str
    consent_statement: str
    eligibility_statement: str


def signup_page(scope: NetworkScope) -> SignupPage:
    network = scope.network
    return SignupPage(
        topics=public_topics(network_repo.list_topics(scope.session, network.id)),
        allowed_domains=readable_domains(network.allowed_email_domains)
        if network.allowed_email_domains
        else "",
        consent_statement=consent_statement(network),
        eligibility_statement=eligibility_statement(network),
    )


class SignupRefused(ValueError):
    """The form's answers, field by field, that cannot be accepted."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def confirm_links(settings: Settings) -> ConfirmLinks:
    return ConfirmLinks.from_settings(settings)


def sign_up(
    uow: UnitOfWork,
    queue: TaskQueue,
    scope: NetworkScope,
    form: SignupForm,
    settings: Settings,
    now: datetime,
) -> None:
    """Store the sign-up and queue its confirmation email, or raise SignupRefused."""
    checked, errors = check_signup(
        scope.network, network_repo.list_topics(scope.session, scope.network_id), form
    )
    if checked is None:
        raise SignupRefused(errors)
    context = SignupContext(
        links=confirm_links(settings),
        hash_key=settings.hash_key,
        expiry_days=settings.confirm_link_days,
        now=now,
    )
    request_signup(uow, queue, scope.network, checked, context, wants_membership=form.membership)


class LinkState(StrEnum):
    OPEN = "open"  # waiting for the button
    CONFIRMED = "confirmed"


class ConfirmLinkRefused(Exception):
    def __init__(self, *, expired: bool, network: Network | None) -> None:
        super().__init__("this confirmation link cannot be used")
        self.expired, self.network = expired, network


@dataclass(frozen=True)
class ConfirmationView:
    network: Network
    state: LinkState
    membership: bool
    manage_url: str


def _read(session: Session, settings: Settings, links: LinkBuilder, token: str) -> tuple[Network, ConfirmRef]:
    try:
        ref = confirm_links(settings).read(token)
    except InvalidToken as exc:
        raise ConfirmLinkRefused(
            expired=isinstance(exc, ExpiredToken), network=hinted_network(session, links, token)
        ) from exc
    network = session.get(Network, ref.network_id)
    if network is None:
        raise ConfirmLinkRefused(expired=False, network=None)
    return network, ref


def confirmation_of(
    session: Session, settings: Settings, links: LinkBuilder, token: str, now: datetime
) -> ConfirmationView:
    """What the confirmation link's page shows; it confirms nothing (a link scanner may open it)."""
    network, ref = _read(session, settings, links, token)
    signup = signup_repo.get_signup(session, network.id, ref.signup_id)
    if signup is None or signup.subscriber_id != ref.subscriber_id:
        raise ConfirmLinkRefused(expired=signup is None, network=network)
    if signup.confirmed_at is None and signup.expires_at < now:
        raise ConfirmLinkRefused(expired=True, network=network)
    return ConfirmationView(
        network=network,
        state=LinkState.OPEN if signup.confirmed_at is None else LinkState.CONFIRMED,
        membership=signup.wants_membership,
        manage_url=links.manage_url(SubscriberRef(ref.network_id, ref.subscriber_id)),
    )


def confirm_from_link(
    session: Session, settings: Settings, links: LinkBuilder, token: str, now: datetime
) -> None:
    network, ref = _read(session, settings, links, token)
    result = confirm_signup(session, network, ref, now=now)
    if result.outcome in (Confirmation.EXPIRED, Confirmation.NOT_FOUND):
        raise ConfirmLinkRefused(expired=result.outcome is Confirmation.EXPIRED, network=network)
