"""Signing keys rotate: a link signed with the old key keeps opening while that key is still listed
after the new one, and stops once it is removed. Address hashes do not move with the signing keys."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from notifier.db.session import unit_of_work
from notifier.domain.emails import keyed_email_hash
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.web import csrf
from tests.support.seeding import network_with_topics, subscriber
from tests.support.settings import make_settings
from tests.support.webapp import web_app

OLD = "old-signing-key-0123456789-0123456789-abcdef"
NEW = "new-signing-key-0123456789-0123456789-abcdef"


def test_links_signed_with_the_old_key_open_until_it_is_removed(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, "alpha")
        person = subscriber(uow.session, network, "sam.patel@digital.example.gov.uk", topics)
        ref = SubscriberRef(network.id, person.id, topics[0].id)
    before = web_app(sessions, signing_keys=OLD)
    old_links = LinkBuilder.from_settings(before.settings)
    paths = [
        old_links.unsubscribe_url(ref).removeprefix("http://testserver"),
        old_links.manage_url(ref).removeprefix("http://testserver"),
    ]
    assert [before.client.get(p).status_code for p in paths] == [200, 200]

    rotated = web_app(sessions, signing_keys=f"{NEW},{OLD}")
    assert [rotated.client.get(p).status_code for p in paths] == [200, 200]
    new_path = LinkBuilder.from_settings(rotated.settings).manage_url(ref).removeprefix("http://testserver")
    assert new_path not in paths  # the newest key signs

    retired = web_app(sessions, signing_keys=NEW)
    assert [retired.client.get(p).status_code for p in paths] == [400, 400]
    assert retired.client.get(new_path).status_code == 200


def _request_with_cookie(cookie: str) -> Request:
    header = f"{csrf.COOKIE_NAME}={cookie}".encode()
    return Request({"type": "http", "method": "POST", "headers": [(b"cookie", header)]})


def test_a_form_opened_before_a_rotation_still_posts_until_the_old_key_goes() -> None:
    before = make_settings(signing_keys=OLD)
    token = csrf.issue(_request_with_cookie("c" * 32), before)
    request = _request_with_cookie(token.cookie_value)
    assert csrf.is_valid(request, make_settings(signing_keys=f"{NEW},{OLD}"), token.form_value)
    assert not csrf.is_valid(request, make_settings(signing_keys=NEW), token.form_value)


def test_address_hashes_stay_with_the_hash_key_when_signing_keys_rotate() -> None:
    """A deployment that set only NOTIFIER_SECRET_KEY pins it as the hash key before rotating it away."""
    legacy = make_settings(secret_key=OLD)
    rotated = make_settings(signing_keys=NEW, suppression_hash_key=OLD)
    address = "sam.patel@digital.example.gov.uk"
    assert keyed_email_hash(legacy.hash_key, address) == keyed_email_hash(rotated.hash_key, address)
    assert rotated.signing_secrets == (NEW,)
