"""A message to the people coming to a meeting (its Yes list), written on the meeting's answers page.

It is an announcement whose audience is the meeting instead of a topic (`announcement.meeting_id`),
so it takes the announcement's path (announcements.py): a draft, submitted, approved by a second
person on a network that requires sign-off, then sent by the scheduler, or at once where no sign-off
is needed. The list is read when the message starts: whoever then said Yes and holds a place (not
those waiting for one, nor someone offered a place who has not yet taken it).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import Announcement, Event, Meeting, Message
from notifier.db.session import UnitOfWork
from notifier.domain.statuses import EventKind, Lane, MessageStatus
from notifier.repositories import answers as answer_repo
from notifier.repositories import meetings as meeting_repo
from notifier.services.delivery.direct_sends import enqueue_sends
from notifier.services.sources.meetings import SourceDeps


def coming_count(session: Session, meeting: Meeting) -> int:
    return answer_repo.count_coming(session, meeting.network_id, meeting.id)


def start_to_yes_list(uow: UnitOfWork, deps: SourceDeps, announcement: Announcement) -> Message:
    """The announcement's message, one delivery per person on the meeting's Yes list now."""
    session = uow.session
    meeting = session.get_one(Meeting, announcement.meeting_id)
    context = {"subject": announcement.subject, "body": announcement.body, "attending": meeting.title}
    event = Event(
        network_id=announcement.network_id,
        kind=EventKind.ANNOUNCEMENT,
        source_key=f"announcement:{announcement.id}",
        title=announcement.subject,
        payload=context,
    )
    session.add(event)
    session.flush()
    message = Message(
        network_id=announcement.network_id,
        event_id=event.id,
        topic_id=None,
        email_kind="announcement",
        lane=Lane.BULK,
        status=MessageStatus.SENDING,
        context=context,
    )
    session.add(message)
    session.flush()
    meeting_repo.insert_coming_deliveries(session, message, meeting.id, utcnow())
    enqueue_sends(uow, deps.queue, message, deps.chunk_size)
    return message
