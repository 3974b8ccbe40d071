"""The contact form: the page stores the enquiry, beat's forwarder sends it once to the steering group
through the real Notify client and the local sandbox, and retention deletes it after 6 months."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import ContactEnquiry, Network
from notifier.db.session import unit_of_work
from notifier.gateway import NotifyGateway
from notifier.services.delivery.routing import SingleServiceRouter
from notifier.services.privacy.contact import forward_pending, set_steering_group_address
from tests.integration.subscribers.forms import csrf_from
from tests.support.fakes import UnlimitedLimiter
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.seeding import network_with_topics
from tests.support.webapp import web_app

STEERING = "steering.group@cabinetoffice.gov.uk"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox() as running:
        yield running


def test_an_enquiry_reaches_the_steering_group_once(
    sessions: sessionmaker[Session], sandbox: RunningSandbox
) -> None:
    sandbox.reset()  # the module's sandbox also holds the other database's run
    web = web_app(sessions)
    with unit_of_work(sessions) as uow:
        network, _ = network_with_topics(uow.session, "alpha")
        set_steering_group_address(uow.session, network, STEERING, actor="cli")
    client = web.client
    empty = client.post("/contact/alpha", data={"csrf_token": csrf_from(client, "/contact/alpha")})
    assert empty.status_code == 400
    for problem in ("Enter your name", "Enter an email address in the correct format", "Enter your message"):
        assert problem in empty.text
    form = {
        "name": "Casey [Contact](https://evil.example)",
        "email": "casey@example.org",
        "message": "Hello\n\n# When is the next meeting?",
        "csrf_token": csrf_from(client, "/contact/alpha"),
    }
    sent = client.post("/contact/alpha", data=form)
    assert sent.status_code == 200 and "Message sent" in sent.text
    assert client.get("/contact/nowhere").status_code == 404

    gateway = NotifyGateway(
        base_url=sandbox.base_url,
        api_key=sandbox.key("live"),
        template_id=sandbox.template_id,
        timeout_seconds=5,
    )
    assert forward_pending(sessions, SingleServiceRouter(gateway, UnlimitedLimiter())) == 1
    assert forward_pending(sessions, SingleServiceRouter(gateway, UnlimitedLimiter())) == 0  # once only
    [email] = sandbox.outbox(to=STEERING)
    body = str(email["body"])
    assert "casey@example" in body and "When is the next meeting?" in body
    # What the person typed is inert: no link, no heading.
    assert "](https://evil" not in body and "\\[Contact\\]" in body
    assert "\n# When" not in body and "\\# When" in body
    with unit_of_work(sessions) as uow:
        enquiry = uow.session.scalars(select(ContactEnquiry)).one()
        assert enquiry.forwarded_notify_id == email["id"]
        assert uow.session.scalar(select(func.count()).select_from(Network)) == 1
