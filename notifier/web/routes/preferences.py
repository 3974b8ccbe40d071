"""Managing preferences from the signed link in every email's footer: no password needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse

from notifier.db.base import utcnow
from notifier.db.models import Network
from notifier.domain.statuses import ConsentSource, SubscriptionEndReason
from notifier.repositories import networks as network_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.subscriptions import unsubscribe
from notifier.services.tokens import ExpiredToken, InvalidToken, TokenPurpose
from notifier.web.deps import LinksDep, UowDep
from notifier.web.pages import render_page

router = APIRouter(tags=["preferences"])


def _problem(exc: InvalidToken | None) -> HTMLResponse:
    expired = isinstance(exc, ExpiredToken)
    return render_page(
        "link_problem.html",
        status_code=400,
        title="This link has expired" if expired else "This link is not valid",
        explanation="Links in emails stop working after a year."
        if expired
        else "It may have been copied incompletely.",
    )


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preferences(token: str, uow: UowDep, links: LinksDep) -> HTMLResponse:
    try:
        ref = links.read(TokenPurpose.MANAGE, token)
    except InvalidToken as exc:
        return _problem(exc)
    network = uow.session.get(Network, ref.network_id)
    subscriber = subscriber_repo.get_subscriber(uow.session, ref.network_id, ref.subscriber_id)
    if network is None or subscriber is None:
        return _problem(None)
    topics = {t.id: t for t in network_repo.list_topics(uow.session, network.id)}
    subscriptions = [
        {"topic": topics[s.topic_id].name, "topic_id": s.topic_id, "frequency": s.frequency.value}
        for s in subscriber_repo.active_subscriptions(uow.session, subscriber.id)
        if s.topic_id in topics
    ]
    return render_page(
        "preferences.html",
        title="Your email preferences",
        service_name=network.name,
        subscriptions=sorted(subscriptions, key=lambda s: str(s["topic"])),
        action=f"/preferences/{token}/unsubscribe",
        privacy_notice_url=network.privacy_notice_url,
    )


@router.post("/preferences/{token}/unsubscribe", response_class=HTMLResponse)
def unsubscribe_from_preferences(
    token: str, topic: Annotated[str, Form()], uow: UowDep, links: LinksDep
) -> HTMLResponse:
    try:
        ref = links.read(TokenPurpose.MANAGE, token)
    except InvalidToken as exc:
        return _problem(exc)
    network = uow.session.get(Network, ref.network_id)
    subscriber = subscriber_repo.get_subscriber(uow.session, ref.network_id, ref.subscriber_id)
    if network is None or subscriber is None:
        return _problem(None)
    topic_id = None if topic == "all" else int(topic) if topic.isdigit() else -1
    chosen = None if topic_id is None else network_repo.get_topic(uow.session, network.id, topic_id)
    if topic_id is not None and chosen is None:
        return _problem(None)
    unsubscribe(
        uow.session,
        network,
        subscriber,
        topic_id=topic_id,
        source=ConsentSource.FORM,
        reason=SubscriptionEndReason.UNSUBSCRIBED,
        now=utcnow(),
    )
    return render_page(
        "unsubscribed.html",
        title="You have unsubscribed",
        service_name=network.name,
        topic_name=chosen.name if chosen else None,
        manage_url=f"/preferences/{token}",
    )
