"""Contact-form enquiries are never lost, on both databases: with no steering-group address an enquiry
waits in the admin's Enquiries page, the person is told so, and approvers and admins (not editors) are
emailed, again within the hour only for a newer enquiry; an enquiry Notify refuses, or whose receipt
says the address failed, waits there too; setting the address (in Settings) forwards again what Notify
refused; each enquiry has a reply-by-email link and can be closed, both audited; another network's
admins see nothing."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import AuditRecord, ContactEnquiry
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import NotifyStatus
from notifier.gateway.base import OutcomeKind
from notifier.repositories.networks import get_network_by_slug
from notifier.services.admin.alerts import NEW_ENQUIRY_EVERY, alert_waiting
from notifier.services.delivery.receipts import Receipt, apply_receipt
from notifier.services.delivery.routing import SingleServiceRouter
from notifier.services.privacy.contact import forward_pending, set_steering_group_address
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.fakes import ScriptedGateway, UnlimitedLimiter
from tests.support.seeding import network_with_topics

pytestmark = pytest.mark.dates  # moves the clock (tests/conftest.py)

ADMIN, APPROVER, EDITOR = (
    "ada.admin@cabinetoffice.gov.uk",
    "alice.approver@hmrc.gov.uk",
    "eddie.editor@dwp.gov.uk",
)
STEERING = "steering.group@cabinetoffice.gov.uk"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news"])
        network_with_topics(uow.session, "beta", ["news"])
    admin_web = make_admin_web(sessions)
    for email, role in ((ADMIN, AdminRole.ADMIN), (APPROVER, AdminRole.APPROVER), (EDITOR, AdminRole.EDITOR)):
        invite(admin_web, "alpha", email, role, name=f"{role.value.title()} Person")
    invite(admin_web, "beta", "bob.beta@justice.gov.uk", AdminRole.ADMIN, name="Bob Beta")
    return admin_web


def _send_enquiry(
    web: AdminWeb, name: str = "Casey Contact", message: str = "When is the AGM?\n\nThanks"
) -> str:
    """The public contact form, as a person uses it; the "sent" page's words."""
    public = web.browser()
    form = {"name": name, "email": "casey@example.org", "message": message}
    sent = public.post("/contact/alpha", data={**form, "csrf_token": csrf_from(public, "/contact/alpha")})
    assert sent.status_code == 200, sent.text
    return sent.text


def _alerts(web: AdminWeb, now: datetime) -> list[str]:
    """Beat's alert step; the subjects and recipients of the emails it queued, once sent."""
    before = len(web.gateway.sent)
    with unit_of_work(web.sessions) as uow:
        alert_waiting(uow, web.queue, web.settings.public_base_url, now)
    web.send_queued()
    return [f"{e.email_address}: {e.body}" for e in web.gateway.sent[before:]]


def _forward(web: AdminWeb, gateway: ScriptedGateway) -> int:
    return forward_pending(web.sessions, SingleServiceRouter(gateway, UnlimitedLimiter()))


def test_without_an_address_enquiries_wait_in_the_admin_and_approvers_are_emailed(web: AdminWeb) -> None:
    sent = _send_enquiry(web)
    assert "We have kept your message for the Alpha Network steering group" in sent
    assert "on its way" not in sent
    assert _forward(web, ScriptedGateway()) == 0  # nowhere to forward it
    start = utcnow()
    told = _alerts(web, start)
    assert sorted(line.split(":")[0] for line in told) == [ADMIN, APPROVER]  # editors do not handle them
    assert (
        "1 message from the contact form waiting in Enquiries: no address is set to forward them to"
        in told[0]
    )
    assert "Casey" not in told[0]  # counts only
    assert _alerts(web, start + timedelta(minutes=5)) == []
    _send_enquiry(web, name="Second Person")
    with time_machine.travel(start + NEW_ENQUIRY_EVERY - timedelta(seconds=1), tick=False):
        assert _alerts(web, utcnow()) == []
    with time_machine.travel(start + NEW_ENQUIRY_EVERY + timedelta(seconds=1), tick=False):
        assert len(_alerts(web, utcnow())) == 2  # a newer one: told within the hour
        assert _alerts(web, utcnow()) == []

    alice = sign_in(web, "alpha", APPROVER)
    listed = alice.get("/admin/alpha/enquiries")
    assert listed.status_code == 200 and "2 messages waiting" in listed.text
    assert "Waiting: no steering-group address is set" in listed.text and "Casey Contact" in listed.text
    dashboard = alice.get("/admin/alpha")
    assert "2 messages from the contact form waiting in Enquiries" in dashboard.text
    with unit_of_work(web.sessions) as uow:
        first = uow.session.scalars(select(ContactEnquiry).order_by(ContactEnquiry.id)).first()
        assert first is not None
        first_id = first.id
    page = alice.get(f"/admin/alpha/enquiries/{first_id}")
    assert page.status_code == 200 and "When is the AGM?" in page.text and "casey@example.org" in page.text
    reply = urlsplit(
        page.text.split('id="reply-link"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    )
    assert reply.scheme == "mailto" and unquote(reply.path) == "casey@example.org"
    query = parse_qs(reply.query)
    assert query["subject"] == ["Re: your message to Alpha Network"]
    assert "> When is the AGM?" in query["body"][0] and "Casey Contact wrote:" in query["body"][0]
    closed = alice.post(
        f"/admin/alpha/enquiries/{first_id}/close",
        data={"csrf_token": csrf_from(alice, f"/admin/alpha/enquiries/{first_id}")},
    )
    assert closed.status_code == 200 and "1 message waiting" in closed.text
    assert "Casey Contact" in alice.get("/admin/alpha/enquiries?show=all").text
    with unit_of_work(web.sessions) as uow:
        actions = [
            (r.action, r.object_id)
            for r in uow.session.scalars(
                select(AuditRecord).where(AuditRecord.object_type == "contact_enquiry")
            )
        ]
    # Viewed twice (the page, and again for the form's token), then closed.
    assert actions == [("enquiry_viewed", first_id)] * 2 + [("enquiry_closed", first_id)]

    eddie = sign_in(web, "alpha", EDITOR)
    assert eddie.get("/admin/alpha/enquiries").status_code == 403
    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    assert bob.get(f"/admin/beta/enquiries/{first_id}").status_code == 404
    assert bob.get("/admin/alpha/enquiries").status_code == 404
    assert "0 messages waiting" in bob.get("/admin/beta/enquiries").text


def test_an_enquiry_notify_refuses_waits_and_a_new_address_forwards_it_again(web: AdminWeb) -> None:
    ada = sign_in(web, "alpha", ADMIN)
    bad = ada.post(
        "/admin/alpha/settings/contact",
        data={"address": "not an address", "csrf_token": csrf_from(ada, "/admin/alpha/settings")},
    )
    assert bad.status_code == 400 and "like steering.group@network.example.gov.uk" in bad.text
    saved = ada.post(
        "/admin/alpha/settings/contact",
        data={"address": "wrong@cabinetoffice.gov.uk", "csrf_token": csrf_from(ada, "/admin/alpha/settings")},
    )
    assert (
        saved.status_code == 200
        and "address saved. Messages from the contact form are forwarded to it" in saved.text
    )
    assert "on its way to the Alpha Network steering group by email" in _send_enquiry(web)
    refusing = ScriptedGateway(script=deque([OutcomeKind.PERMANENT]))
    assert _forward(web, refusing) == 0
    assert "We have kept your message" in _send_enquiry(web, name="Next Person")  # the last one failed
    listed = ada.get("/admin/alpha/enquiries")
    assert "1 message waiting" in listed.text and "Waiting: forwarding failed" in listed.text
    told = _alerts(web, utcnow())
    assert told and all("forwarding to the steering group's address failed" in line for line in told)
    again = ada.post(
        "/admin/alpha/settings/contact",
        data={"address": STEERING, "csrf_token": csrf_from(ada, "/admin/alpha/settings")},
    )
    assert again.status_code == 200
    accepting = ScriptedGateway()
    assert _forward(web, accepting) == 2  # the refused one and the next
    assert {e.email_address for e in accepting.sent} == {STEERING}
    assert "0 messages waiting" in ada.get("/admin/alpha/enquiries").text


def test_a_forwarded_enquiry_whose_receipt_fails_waits_for_an_admin(web: AdminWeb) -> None:
    with unit_of_work(web.sessions) as uow:
        network = get_network_by_slug(uow.session, "alpha")
        assert network is not None
        set_steering_group_address(uow.session, network, STEERING, actor="cli")
    _send_enquiry(web)
    gateway = ScriptedGateway()
    assert _forward(web, gateway) == 1
    reference = gateway.sent[0].reference
    receipt = Receipt(
        notify_id=gateway.held[reference], reference=reference, status=NotifyStatus.PERMANENT_FAILURE
    )
    for changed in (True, False):  # a repeated receipt changes nothing
        with unit_of_work(web.sessions) as uow:
            assert apply_receipt(uow.session, receipt, now=utcnow(), temporary_failure_limit=3) is changed
    ada = sign_in(web, "alpha", ADMIN)
    listed = ada.get("/admin/alpha/enquiries")
    assert "1 message waiting" in listed.text and "Waiting: forwarding failed" in listed.text
    with unit_of_work(web.sessions) as uow:
        enquiry = uow.session.scalars(select(ContactEnquiry)).one()
        assert (
            enquiry.forward_failure is not None and "does not exist or refused it" in enquiry.forward_failure
        )
    assert _forward(web, ScriptedGateway()) == 0  # it reached Notify once: not sent twice
