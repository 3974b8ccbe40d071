"""Each data-subject request from the preference pages over HTTP (the app in-process on a real
database): the emailed signed link is really sent by the Sender, and acting on it changes the data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from notifier.db.models import DataRequest, Delivery, Message, Subscriber, Subscription, Suppression
from notifier.db.session import unit_of_work
from notifier.domain.rights import DataRequestStatus
from notifier.domain.statuses import Lane, SubscriberStatus, SuppressionReason
from notifier.services.delivery.eligibility import ineligibility_reason
from tests.integration.retention import people
from tests.integration.rights.flow import Person, ask, confirm, subscriber
from tests.integration.subscribers.forms import csrf_from


def test_rectification_corrects_name_and_department(person: Person) -> None:
    link = ask(person, "rectification", name="Patricia Lee", department="Cabinet Office")
    assert "Patricia Lee" in person.web.client.get(link).text
    confirm(person, link)
    found = subscriber(person)
    assert found is not None and (found.name, found.department) == ("Patricia Lee", "Cabinet Office")


def test_rectification_needs_a_name(person: Person) -> None:
    client = person.web.client
    path = f"{person.manage_path}/rights/rectify"
    page = client.post(path, data={"name": " ", "department": "", "csrf_token": csrf_from(client, path)})
    assert page.status_code == 400 and "Enter your full name" in page.text


def test_restriction_stops_sending_until_lifted(person: Person) -> None:
    confirm(person, ask(person, "restriction"))
    found = subscriber(person)
    assert found is not None and found.status is SubscriberStatus.RESTRICTED
    with unit_of_work(person.web.sessions) as uow:
        bulk = uow.session.scalars(select(Message).where(Message.lane == Lane.BULK)).first()
        assert bulk is not None
        assert ineligibility_reason(uow.session, bulk, uow.session.get(Subscriber, person.subscriber_id)) == (
            "subscriber restricted"
        )
    assert "Let us use your data again" in person.web.client.get(f"{person.manage_path}/rights").text
    confirm(person, ask(person, "lift_restriction"))
    found = subscriber(person)
    assert found is not None and found.status is SubscriberStatus.ACTIVE


def test_objection_stops_all_email_and_suppresses_the_address(person: Person) -> None:
    confirm(person, ask(person, "objection"))
    with unit_of_work(person.web.sessions) as uow:
        active = select(func.count()).where(
            Subscription.subscriber_id == person.subscriber_id, Subscription.ended_at.is_(None)
        )
        assert uow.session.scalar(active) == 0
        suppression = uow.session.scalars(select(Suppression)).one()
        assert suppression.reason is SuppressionReason.OBJECTION
    ask(person, "access")  # their own data request still reaches them after objecting


def test_erasure_removes_the_person_and_says_what_survives(person: Person) -> None:
    text = confirm(person, ask(person, "erasure"))
    assert "deleted everything" in text and "days after sending it" in text
    with unit_of_work(person.web.sessions) as uow:
        assert people.traces(uow.session, person.subscriber_id, "pat.lee@justice.gov.uk", "Pat Lee") == []
        assert uow.session.scalar(select(func.count()).where(Delivery.subscriber_id.is_(None))) == 3
        request = uow.session.scalars(select(DataRequest).where(DataRequest.kind == "erasure")).one()
        # Notify holds the verification email for 7 days: only then is the erasure complete.
        assert request.status is DataRequestStatus.AWAITING_NOTIFY
        assert request.notify_clear_at is not None and request.acted_at is not None
        assert request.notify_clear_at - request.acted_at > timedelta(days=6, hours=23)
    assert person.web.client.get(person.manage_path).status_code == 400  # the old link finds nobody


def test_links_cannot_be_forged_or_reused_for_another_request(person: Person) -> None:
    link = ask(person, "access")
    assert person.web.client.get(link[:-3] + "AAA").status_code == 400
    assert (
        person.web.client.get(link.replace("/verify/", "/export/") + ".json").status_code == 404
    )  # unverified
