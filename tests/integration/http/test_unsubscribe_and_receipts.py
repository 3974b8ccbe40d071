"""One-click unsubscribe as a mail client calls it (RFC 8058), the confirmation page a GET shows, and
the Notify receipt callback's bearer token."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import ConsentEvent, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.statuses import ConsentAction, ConsentSource, SubscriberStatus
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.links import LinkBuilder, SubscriberRef
from tests.support.seeding import network_with_topics, subscriber
from tests.support.webapp import CALLBACK_TOKEN, WebApp, web_app

pytestmark = pytest.mark.dates


@pytest.fixture
def setup(sessions: sessionmaker[Session]) -> tuple[WebApp, SubscriberRef]:
    with unit_of_work(sessions) as uow:
        network, (news, events) = network_with_topics(uow.session, "alpha", ["news", "events"])
        person = subscriber(uow.session, network, "a@dept.gov.uk", [news, events])
        ref = SubscriberRef(network.id, person.id, news.id)
    return web_app(sessions), ref


def _links(web: WebApp) -> LinkBuilder:
    return LinkBuilder.from_settings(web.settings)


def _active_topics(web: WebApp, ref: SubscriberRef) -> set[int]:
    with unit_of_work(web.sessions) as uow:
        return {s.topic_id for s in subscriber_repo.active_subscriptions(uow.session, ref.subscriber_id)}


def test_one_click_post_unsubscribes_without_cookies_or_redirect_and_is_idempotent(
    setup: tuple[WebApp, SubscriberRef],
) -> None:
    web, ref = setup
    path = _links(web).one_click_unsubscribe_url(ref).removeprefix("https://testserver")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    first = web.client.post(
        path, content=b"List-Unsubscribe=One-Click", headers=headers, follow_redirects=False
    )
    second = web.client.post(path, content=b"", follow_redirects=False)
    assert first.status_code == 200 and second.status_code == 200
    assert not web.client.cookies
    assert _active_topics(web, ref) == {ref.topic_id + 1}  # still subscribed to the other topic
    with unit_of_work(web.sessions) as uow:
        withdrawals = list(
            uow.session.scalars(select(ConsentEvent).where(ConsentEvent.action == ConsentAction.WITHDRAWN))
        )
    assert [(w.topic_id, w.source) for w in withdrawals] == [(ref.topic_id, ConsentSource.ONE_CLICK)]


def test_a_get_shows_a_confirmation_page_and_never_unsubscribes(setup: tuple[WebApp, SubscriberRef]) -> None:
    web, ref = setup
    path = _links(web).unsubscribe_url(ref).removeprefix("http://testserver")
    page = web.client.get(path)
    assert page.status_code == 200 and "Are you sure you want to unsubscribe?" in page.text
    assert 'method="post"' in page.text
    assert len(_active_topics(web, ref)) == 2


def test_unsubscribing_from_everything_starts_the_retention_clock(
    setup: tuple[WebApp, SubscriberRef],
) -> None:
    web, ref = setup
    everything = SubscriberRef(ref.network_id, ref.subscriber_id, None)
    path = _links(web).unsubscribe_url(everything).removeprefix("http://testserver")
    assert web.client.post(path, data={"via": "page"}).status_code == 200
    assert _active_topics(web, ref) == set()
    with unit_of_work(web.sessions) as uow:
        person = uow.session.get_one(Subscriber, ref.subscriber_id)
    assert person.status is SubscriberStatus.LEFT and person.left_at is not None


def test_forged_links_are_refused_and_old_links_still_unsubscribe(
    setup: tuple[WebApp, SubscriberRef],
) -> None:
    """Issue 14: an unsubscribe link works for as long as the email can be read, so it never expires; a
    damaged one changes nothing and its page (in the network's header) says how to stop email."""
    web, ref = setup
    path = _links(web).unsubscribe_url(ref).removeprefix("http://testserver")
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    refused = web.client.post(forged)
    assert refused.status_code == 400 and "not complete" in refused.text
    assert "Alpha Network" in refused.text and 'href="/contact/alpha"' in refused.text
    assert len(_active_topics(web, ref)) == 2
    with time_machine.travel(timedelta(days=web.settings.unsubscribe_link_days * 5), tick=False):
        years_later = web.client.post(path)
    assert years_later.status_code == 200 and "You have unsubscribed" in years_later.text
    assert len(_active_topics(web, ref)) == 1


def test_receipts_need_the_bearer_token(setup: tuple[WebApp, SubscriberRef]) -> None:
    web, _ = setup
    body = {"id": "n-1", "reference": "1", "to": "a@dept.gov.uk", "status": "delivered"}
    assert web.client.post("/notify/receipts", json=body).status_code == 401
    wrong = web.client.post("/notify/receipts", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    unknown = web.client.post(
        "/notify/receipts", json=body, headers={"Authorization": f"Bearer {CALLBACK_TOKEN}"}
    )
    assert unknown.status_code == 404
