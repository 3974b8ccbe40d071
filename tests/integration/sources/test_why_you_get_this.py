"""The "why you are getting this" line each reader's email carries, composed as the sender composes
it: an invitee, a topic's subscriber, a member, and an admin's test send (which has no live
unsubscribe link, in the body or as the one-click header)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from notifier.db.models import Delivery, Message, Network, Subscriber
from notifier.db.session import unit_of_work
from notifier.services.admin.networks import create_topic
from notifier.services.delivery.composing import ComposedEmail
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.sources.publishing import announce
from tests.support.admin_api import API, Admins
from tests.support.seeding import subscriber

# Its meetings and announcements are dated in 2030: the clock is kept before them.
pytestmark = [pytest.mark.dates, pytest.mark.usefixtures("clock_in_2029")]

MEETING = {
    "title": "Leaders of Networks",
    "start": "2030-03-05T18:00:00",
    "end": "2030-03-05T19:30:00",
    "location": "Room 4",
    "topics": ["events"],
    "invitees": ["invitee@dept.gov.uk"],
}


def _composed(admins: Admins, message_id: int, email: str) -> ComposedEmail:
    composer = TemplateComposer.from_settings(admins.web.settings)
    with unit_of_work(admins.web.sessions) as uow:
        person = uow.session.scalars(select(Subscriber).where(Subscriber.email == email)).one()
        return composer.compose(uow.session, uow.session.get_one(Message, message_id), person)


def _text(email: ComposedEmail) -> str:
    return " ".join(email.body.replace("\\", "").split())


def _messages(admins: Admins, kind: str) -> list[Message]:
    with unit_of_work(admins.web.sessions) as uow:
        return list(
            uow.session.scalars(select(Message).where(Message.email_kind == kind).order_by(Message.id))
        )


def test_an_invitee_and_a_topic_subscriber_are_each_told_why(admins: Admins) -> None:
    assert admins.web.client.post(f"{API}/meetings", json=MEETING, headers=admins.editor).status_code == 201
    direct, by_topic = _messages(admins, "meeting")
    assert direct.topic_id is None and by_topic.topic_id is not None
    invitee = _text(_composed(admins, direct.id, "invitee@dept.gov.uk"))
    assert "because Alpha Network invited you to this meeting" in invitee
    assert "subscribed to" not in invitee
    reader = _text(_composed(admins, by_topic.id, "reader@dept.gov.uk"))
    assert "because you subscribed to Events from Alpha Network." in reader


def test_a_member_is_told_it_is_their_membership(admins: Admins) -> None:
    with unit_of_work(admins.web.sessions) as uow:
        alpha = uow.session.scalars(select(Network).where(Network.slug == "alpha")).one()
        business = create_topic(uow.session, alpha, slug="business", name="Business", members_only=True)
        subscriber(uow.session, alpha, "member@dept.gov.uk", [business])
        message_id = announce(
            uow, admins.web.queue, alpha, business, subject="AGM papers", body="Attached."
        ).id
    member = _text(_composed(admins, message_id, "member@dept.gov.uk"))
    assert "because you're a member of Alpha Network." in member and "subscribed to" not in member


def test_a_test_send_says_so_and_carries_no_live_unsubscribe_link(admins: Admins) -> None:
    body = {"topic": "news", "subject": "AGM", "body": "Come along."}
    draft = admins.web.client.post(f"{API}/announcements", json=body, headers=admins.editor).json()
    sent = admins.web.client.post(f"{API}/announcements/{draft['id']}/test-send", headers=admins.editor)
    assert sent.status_code == 202
    email = _composed(admins, sent.json()["message_id"], "sam.editor@dept.gov.uk")
    assert email.one_click_unsubscribe_url is None  # no List-Unsubscribe header at Notify
    text = _text(email)
    assert "This is a test sent only to you" in text
    assert "/unsubscribe/" not in text and "/preferences/" not in text and "subscribed to" not in text
    with unit_of_work(admins.web.sessions) as uow:
        (delivery,) = uow.session.scalars(
            select(Delivery).where(Delivery.message_id == sent.json()["message_id"])
        ).all()
        assert delivery.subscriber_id is not None
