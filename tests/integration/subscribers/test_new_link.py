"""A damaged or old link is no dead end: the new-link form emails a fresh preferences link to a held
address, says the same for an address it does not hold, and names the field when the address is bad."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Delivery, Message
from notifier.db.session import unit_of_work
from notifier.domain.statuses import Lane
from notifier.rendering.emails import EmailKind
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.common.tokens import TokenPurpose
from tests.integration.subscribers.forms import csrf_from
from tests.support.seeding import network_with_topics, subscriber
from tests.support.webapp import WebApp, web_app

FORM = "/unsubscribe/new-link/alpha"


def _ask(web: WebApp, email: str) -> tuple[int, str]:
    data = {"email": email, "csrf_token": csrf_from(web.client, FORM)}
    response = web.client.post(FORM, data=data, follow_redirects=True)
    return response.status_code, response.text


def test_a_held_address_gets_a_fresh_preferences_link_and_an_unknown_one_the_same_page(
    sessions: sessionmaker[Session],
) -> None:
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha", ["news"])
        person = subscriber(uow.session, network, "pat.lee@justice.gov.uk", [news])
        ref = SubscriberRef(network.id, person.id)
    web = web_app(sessions)

    held = _ask(web, " Pat.Lee@Justice.gov.uk ")
    unknown = _ask(web, "nobody@justice.gov.uk")
    assert held[0] == unknown[0] == 200
    # Nobody learns who subscribes: the same page but for its CSP nonce, which is each response's own.
    assert "Check your email" in held[1] and _without_nonce(held[1]) == _without_nonce(unknown[1])

    with unit_of_work(sessions) as uow:
        [message] = uow.session.scalars(select(Message)).all()
        [delivery] = uow.session.scalars(select(Delivery)).all()
        assert message.email_kind == EmailKind.NEW_LINKS and message.lane is Lane.TRANSACTIONAL
        assert delivery.subscriber_id == ref.subscriber_id
        manage_url = message.context["manage_url"]
    links = LinkBuilder.from_settings(web.settings)
    assert manage_url.startswith("http://testserver/preferences/")  # tokens carry their signing time
    assert links.read(TokenPurpose.MANAGE, manage_url.rsplit("/", 1)[1]) == ref
    assert len(web.queue.sends) == 1
    assert "Your email preferences" in web.client.get(manage_url.removeprefix("http://testserver")).text


def test_a_bad_address_is_named_on_its_field_and_nothing_is_sent(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news"])
    web = web_app(sessions)
    for typed, words in (("", "Enter your email address"), ("not an address", "correct format")):
        status, text = _ask(web, typed)
        assert status == 400 and words in text and 'href="#email"' in text
    with unit_of_work(sessions) as uow:
        assert uow.session.scalars(select(Message)).all() == []
    assert web.queue.sends == []


def _without_nonce(page: str) -> str:
    return re.sub(r'nonce="[A-Za-z0-9_\-]+"', 'nonce=""', page)
