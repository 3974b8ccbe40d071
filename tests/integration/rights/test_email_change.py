"""Changing one's email address through rectification, over HTTP on each database: the old inbox
verifies the request, the NEW address gets the confirmation link (sent by the real Sender), and only
its Confirm button changes the address."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from sqlalchemy import select

from notifier.db.models import AuditRecord, DataRequest, Delivery, Network, Subscriber, Topic
from notifier.db.session import unit_of_work
from notifier.domain.emails import keyed_email_hash
from notifier.domain.statuses import DeliveryStatus, Lane
from notifier.gateway.base import EmailRequest
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.sending import Sender
from notifier.services.privacy.rights_export import export_bundle
from notifier.services.subscribers import email_change
from tests.integration.retention import people
from tests.integration.rights.flow import Person, ask, confirm, subscriber
from tests.integration.subscribers.forms import csrf_from
from tests.support.fakes import ScriptedGateway, UnlimitedLimiter

OLD, NEW = "pat.lee@justice.gov.uk", "pat.lee@cabinetoffice.gov.uk"
CHANGE_LINK = re.compile(r"http://127\.0\.0\.1(/rights/email/[A-Za-z0-9_.\-]+)")
SAME_WORDS = "We have sent a link to your new email address"  # shown whether or not it really was


def _send_last(person: Person) -> list[EmailRequest]:
    """What the Sender hands Notify for the last queued one-person message."""
    web = person.web
    message_id, first, last, lane = web.queue.sends[-1]
    assert lane is Lane.TRANSACTIONAL and first == last
    gateway = ScriptedGateway()
    Sender(
        web.sessions, gateway, UnlimitedLimiter(), TemplateComposer.from_settings(web.settings)
    ).send_chunk(message_id, first, last)
    return gateway.sent


def _ask_for_new_address(person: Person, address: str = NEW) -> str:
    """Rectify with a new address and confirm it from the old inbox: the done page's text."""
    link = ask(person, "rectification", name="Pat Lee", department="", email=address.upper())
    page = person.web.client.get(link).text
    assert address in page and "New email address" in page
    return confirm(person, link)


def _change_link(person: Person) -> str:
    [sent] = _send_last(person)
    assert sent.email_address == NEW and sent.one_click_unsubscribe_url is None
    assert sent.subject.startswith("Confirm your new email address")
    found = CHANGE_LINK.search(sent.body)
    assert found, sent.body
    return found.group(1)


def _press_confirm(person: Person, link: str) -> tuple[int, str]:
    client = person.web.client
    form = {"csrf_token": csrf_from(client, link)}
    response = client.post(link, data=form, follow_redirects=True)
    return response.status_code, response.text


def test_the_new_address_confirms_the_change(person: Person) -> None:
    assert SAME_WORDS in _ask_for_new_address(person)
    held = subscriber(person)
    assert held is not None and (held.email, held.pending_email) == (OLD, NEW)  # not applied yet
    link = _change_link(person)
    page = person.web.client.get(link)
    assert "Confirm your new email address" in page.text
    held = subscriber(person)
    assert held is not None and held.email == OLD  # a GET changes nothing
    status, text = _press_confirm(person, link)
    assert status == 200 and "Your email address has been changed" in text
    held = subscriber(person)
    assert held is not None and (held.email, held.pending_email) == (NEW, None)
    assert held.email_hash == keyed_email_hash(person.web.settings.secret_key.get_secret_value(), NEW)
    with unit_of_work(person.web.sessions) as uow:
        request = uow.session.scalars(select(DataRequest).order_by(DataRequest.id.desc())).first()
        assert request is not None and request.outcome is not None
        assert request.outcome.endswith("email address changed") and request.details == {}
        actions = uow.session.scalars(
            select(AuditRecord.action).where(AuditRecord.object_id == request.id)
        ).all()
        assert {"data_request.email_change_sent", "data_request.email_changed"} <= set(actions)
        details = " ".join(str(r.detail) for r in uow.session.scalars(select(AuditRecord)))
        assert "@" not in details
    # Confirming twice is harmless, and the manage link still finds the person.
    status, text = _press_confirm_again(person, link)
    assert status == 200 and "Your email address has been changed" in text
    assert person.web.client.get(person.manage_path).status_code == 200


def _press_confirm_again(person: Person, link: str) -> tuple[int, str]:
    client = person.web.client
    assert client.get(link, follow_redirects=False).status_code == 303  # straight to the done page
    form = {"csrf_token": csrf_from(client, f"{person.manage_path}/rights")}
    response = client.post(link, data=form, follow_redirects=True)
    return response.status_code, response.text


def test_another_subscribers_address_is_never_applied_and_never_revealed(person: Person) -> None:
    sends = len(person.web.queue.sends)
    assert SAME_WORDS in _ask_for_new_address(person, "other@justice.gov.uk")
    assert len(person.web.queue.sends) == sends + 1  # the verification email only: nothing to Oli
    held = subscriber(person)
    assert held is not None and (held.email, held.pending_email) == (OLD, None)


def test_an_address_taken_meanwhile_is_refused_gently(person: Person) -> None:
    _ask_for_new_address(person)
    link = _change_link(person)
    with unit_of_work(person.web.sessions) as uow:
        network = uow.session.scalars(select(Network)).one()
        topic = uow.session.scalars(select(Topic).where(Topic.network_id == network.id)).first()
        assert topic is not None
        people.pending_person(uow.session, network, topic, NEW, "Someone")  # they signed up meanwhile
    status, text = _press_confirm(person, link)
    assert status == 409 and "We could not change your email address" in text
    held = subscriber(person)
    assert held is not None and (held.email, held.pending_email) == (OLD, NEW)


@pytest.mark.parametrize(
    ("address", "error"),
    [
        ("pat@gmail.com", "Enter a work email address"),
        ("not an address", "Enter an email address in the correct format"),
    ],
)
def test_the_new_address_is_checked_like_a_sign_up(person: Person, address: str, error: str) -> None:
    client = person.web.client
    path = f"{person.manage_path}/rights/rectify"
    form = {"name": "Pat Lee", "department": "", "email": address, "csrf_token": csrf_from(client, path)}
    page = client.post(path, data=form)
    assert page.status_code == 400 and error in page.text
    assert person.web.queue.sends == []


def test_expired_and_forged_links_show_the_link_problem_page(
    person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ask_for_new_address(person)
    link = _change_link(person)
    client = person.web.client
    forged = client.get(link[:-3] + "AAA")
    assert forged.status_code == 400 and "This link is not valid" in forged.text
    other_purpose = person.manage_path.replace("/preferences/", "/rights/email/")
    assert client.get(other_purpose).status_code == 400
    later = time.time() + (person.web.settings.confirm_link_days + 1) * 86_400
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))
    expired = client.get(link)
    assert expired.status_code == 400 and "This link has expired" in expired.text
    assert client.post(link, data={"csrf_token": "x"}).status_code == 400
    held = subscriber(person)
    assert held is not None and held.email == OLD


def test_a_change_no_longer_pending_is_not_sent(person: Person) -> None:
    _ask_for_new_address(person)
    with unit_of_work(person.web.sessions) as uow:
        uow.session.get_one(Subscriber, person.subscriber_id).pending_email = None
    assert _send_last(person) == []
    with unit_of_work(person.web.sessions) as uow:
        delivery = uow.session.scalars(select(Delivery).order_by(Delivery.id.desc())).first()
        assert delivery is not None and delivery.status is DeliveryStatus.SKIPPED
        assert delivery.failure_reason == "email change no longer pending"


def test_export_and_erasure_include_the_pending_address(person: Person) -> None:
    _ask_for_new_address(person)
    with unit_of_work(person.web.sessions) as uow:
        held = uow.session.get_one(Subscriber, person.subscriber_id)
        bundle = export_bundle(uow.session, held, notify_retention_days=7, now=held.created_at)
        assert bundle["subscriber"]["pending_email"] == NEW
    text = confirm(person, ask(person, "erasure"))
    assert "deleted everything" in text
    with unit_of_work(person.web.sessions) as uow:
        assert people.traces(uow.session, person.subscriber_id, OLD, NEW, "Pat Lee") == []


def test_a_sign_up_racing_the_confirmation_loses_nothing(
    person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ask_for_new_address(person)
    link = _change_link(person)
    with unit_of_work(person.web.sessions) as uow:
        network = uow.session.scalars(select(Network)).one()
        topic = uow.session.scalars(select(Topic).where(Topic.network_id == network.id)).first()
        assert topic is not None
        people.pending_person(uow.session, network, topic, NEW, "Someone")
    form = {"csrf_token": csrf_from(person.web.client, link)}
    # As if the sign-up committed after the check: only the unique constraint can stop it now.
    monkeypatch.setattr(email_change, "_taken", lambda *_: False)
    response = person.web.client.post(link, data=form, follow_redirects=False)
    assert response.status_code == 303
    held = subscriber(person)
    assert held is not None and (held.email, held.pending_email) == (OLD, NEW)
