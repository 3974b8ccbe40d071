"""A message is rendered once for all its readers, with stand-in tokens in its links, and each reader's
email is that rendering with their own tokens: the very email a whole rendering for them would give."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.models import Message, Network, Subscriber, Topic
from notifier.db.session import unit_of_work
from notifier.rendering import emails as rendering
from notifier.rendering.contexts import Footer
from notifier.rendering.emails import EmailKind, RenderedEmail, render_email
from notifier.services.admin.networks import create_topic
from notifier.services.common.links import SubscriberRef
from notifier.services.delivery.emails import CONTEXT_BUILDERS, TemplateComposer, footer_reason
from notifier.services.sources.publishing import announce
from tests.support.admin_api import API, Admins
from tests.support.seeding import subscriber

pytestmark = pytest.mark.dates

MEETING = {
    "title": "Leaders of Networks [and friends]",
    "start": "2030-03-05T18:00:00",
    "end": "2030-03-05T19:30:00",
    "location": "Room 4",
    "online_url": "https://teams.example.com/meet/abc",
    "agenda": "1. Welcome",
    "invitees": ["invitee@dept.gov.uk", "reader@dept.gov.uk"],
    "topics": ["events"],
}


def _whole(
    composer: TemplateComposer, session: Session, message: Message, person: Subscriber
) -> RenderedEmail:
    """The email rendered whole, with this reader's own links in the context (no shared rendering)."""
    links = composer.links
    network = session.get_one(Network, message.network_id)
    kind = EmailKind(message.email_kind)
    topic = session.get_one(Topic, message.topic_id) if message.topic_id is not None else None
    ref = SubscriberRef(network.id, person.id, topic.id if topic else None)
    footer = Footer(
        network_name=network.name,
        topic_name=topic.name if topic else network.name,
        manage_url=links.manage_url(ref),
        unsubscribe_url=links.unsubscribe_url(ref),
        privacy_notice_url=network.privacy_notice_url,
        reason=footer_reason(kind, message, topic),
        archive_url=f"{composer.public_base_url}/archive/{network.slug}",
        meeting_title=str(message.context.get("attending") or ""),
    )
    data = message.context
    if data.get("calendar_url") and data.get("meeting_id"):
        token = links.attendee_token(network.id, int(data["meeting_id"]), person.id)
        data = {**data, "calendar_url": links.attendee_calendar_url_with(data["calendar_url"], token)}
    if data.get("answer_url") and data.get("meeting_id"):  # the reader's own answer page
        answer = links.answer_token(network.id, int(data["meeting_id"]), person.id)
        data = {**data, "answer_url": f"{data['answer_url']}/{answer}"}
    context = CONTEXT_BUILDERS[kind](data, network, footer)
    return render_email(kind, context, allowed_origins=(network.site_url, composer.public_base_url))


def test_each_readers_email_is_the_whole_rendering_and_the_message_renders_once(admins: Admins) -> None:
    with unit_of_work(admins.web.sessions) as uow:
        alpha = uow.session.scalars(select(Network).where(Network.slug == "alpha")).one()
        members = create_topic(uow.session, alpha, slug="members", name="Members", members_only=True)
        for n in range(3):
            subscriber(uow.session, alpha, f"member{n}@dept.gov.uk", [members])
        announce(uow, admins.web.queue, alpha, members, subject="AGM [papers]", body="See https://x.example.")
    assert admins.web.client.post(f"{API}/meetings", json=MEETING, headers=admins.editor).status_code == 201
    composer = TemplateComposer.from_settings(admins.web.settings)
    rendering._render_remembered.cache_clear()
    compared = calendars = 0
    frozen = time_machine.travel(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), tick=False)
    with frozen, unit_of_work(admins.web.sessions) as uow:
        people = uow.session.scalars(select(Subscriber).order_by(Subscriber.id)).all()
        messages = uow.session.scalars(select(Message).order_by(Message.id)).all()
        for message in messages:
            for person in people:
                email = composer.compose(uow.session, message, person)
                whole = _whole(composer, uow.session, message, person)
                assert (email.subject, email.body) == (whole.subject, whole.body)
                ref = SubscriberRef(person.network_id, person.id, message.topic_id)
                assert email.one_click_unsubscribe_url == composer.links.one_click_unsubscribe_url(ref)
                compared += 1
                calendars += "calendar.ics?attendee=" in email.body
    kinds = {message.email_kind for message in messages}
    assert {"announcement", "meeting"} <= kinds and compared >= 3 * len(people) and calendars
    remembered = rendering._render_remembered.cache_info()
    assert remembered.misses == len(messages) and remembered.hits == len(messages) * (len(people) - 1)
