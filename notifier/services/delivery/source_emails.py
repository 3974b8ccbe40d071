"""Rendering contexts for the event sources' email kinds (site content, announcements, meetings,
minutes, digests), from the message's stored context. `SOURCE_CONTEXT_BUILDERS` joins
services/delivery/emails.py's CONTEXT_BUILDERS.

A digest's items differ per reader, so `PER_SUBSCRIBER_CONTEXT` adds them at compose time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from notifier.db.models import Meeting, Message, Network, Subscriber
from notifier.domain.sources import MeetingStatus
from notifier.rendering.contexts import (
    AnnouncementEmail,
    ContentEmail,
    DigestEmail,
    DigestItem,
    DigestMeeting,
    DigestPeriod,
    EmailContext,
    EventDetails,
    Footer,
    MeetingEmail,
    MeetingPlaceEmail,
    MeetingState,
    MinutesEmail,
)
from notifier.rendering.emails import EmailKind
from notifier.repositories import digests as digest_repo

SourceBuilder = Callable[[Mapping[str, Any], Network, Footer], EmailContext]
SubscriberContext = Callable[[Session, Message, Subscriber], dict[str, Any]]


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _required_when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def event_details(data: Mapping[str, Any] | None) -> EventDetails | None:
    """The `event:` block a content message stored, as the template's EventDetails."""
    if not data:
        return None
    return EventDetails(
        start=_required_when(data["start"]),
        end=_when(data.get("end")),
        location=data.get("location") or None,
        registration_deadline=_when(data.get("registration_deadline")),
        contact_email=data.get("contact_email") or None,
        all_day=bool(data.get("all_day")),
    )


def _content(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    published = datetime.fromisoformat(data["date"]) if data.get("date") else None
    return ContentEmail(
        network_name=network.name,
        title=f"Updated: {data['title']}" if data.get("updated") else data["title"],
        url=data["url"],
        footer=footer,
        excerpt=data.get("excerpt") or None,
        author=data.get("author") or None,
        published=published,
        tags=tuple(data.get("tags") or ()),
        event=event_details(data.get("event")),
        zone=data.get("timezone") or network.site_timezone,
    )


def _announcement(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    return AnnouncementEmail(
        network_name=network.name, subject=data["subject"], body=data["body"], footer=footer
    )


def _meeting(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    return MeetingEmail(
        network_name=network.name,
        title=data["title"],
        start=_required_when(data["start"]),
        end=_when(data.get("end")),
        footer=footer,
        location=data.get("location") or None,
        online_url=data.get("online_url") or None,
        agenda=data.get("agenda") or None,
        calendar_url=data.get("calendar_url") or None,
        meeting_url=data.get("meeting_url") or None,
        note=data.get("note") or None,
        answer_url=data.get("answer_url") or None,
        answer_by=_when(data.get("answer_by")),
        access_question=data.get("access_question") or None,
    )


def _meeting_place(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    return MeetingPlaceEmail(
        network_name=network.name,
        title=data["title"],
        start=_required_when(data["start"]),
        end=_required_when(data["end"]),
        answer_url=data["answer_url"],
        offer_expires_at=_required_when(data["offer_expires_at"]),
        location=data.get("location") or None,
    )


def _minutes(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    return MinutesEmail(
        network_name=network.name,
        meeting_title=data["meeting_title"],
        meeting_date=_required_when(data["meeting_date"]),
        footer=footer,
        minutes_url=data.get("minutes_url") or None,
        minutes_body=data.get("minutes_body") or None,
        meeting_url=data.get("meeting_url") or None,
    )


def _digest(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    items = tuple(
        DigestItem(title=i["title"], url=i["url"], excerpt=i.get("excerpt") or None) for i in data["items"]
    )
    meetings = tuple(
        DigestMeeting(
            title=m["title"],
            start=_required_when(m["start"]),
            end=_required_when(m["end"]),
            place=m.get("place") or None,
            state=MeetingState(m["state"]) if m.get("state") else None,
        )
        for m in data.get("meetings", ())
    )
    return DigestEmail(
        network_name=network.name,
        period=DigestPeriod(data["period"]),
        items=items,
        footer=footer,
        meetings=meetings,
    )


def _meeting_now(session: Session, meeting: Meeting) -> dict[str, Any]:
    """A meeting as it stands now: "cancelled", or "moved" when its time is not the invitation's."""
    state = None
    if meeting.status is MeetingStatus.CANCELLED:
        state = MeetingState.CANCELLED.value
    elif digest_repo.first_times(session, meeting) not in (
        None,
        (meeting.start_at.isoformat(), meeting.end_at.isoformat()),
    ):
        state = MeetingState.MOVED.value
    place = ", ".join(p for p in (meeting.location, "online" if meeting.online_url else "") if p)
    return {
        "title": meeting.title,
        "start": meeting.start_at.isoformat(),
        "end": meeting.end_at.isoformat(),
        "place": place or None,
        "state": state,
    }


def _digest_items(session: Session, message: Message, subscriber: Subscriber) -> dict[str, Any]:
    meetings = digest_repo.meetings_for(session, message, subscriber.id)
    return {
        "items": digest_repo.items_for(session, message, subscriber.id),
        "meetings": [_meeting_now(session, meeting) for meeting in meetings],
    }


SOURCE_CONTEXT_BUILDERS: dict[EmailKind, SourceBuilder] = {
    EmailKind.CONTENT: _content,
    EmailKind.ANNOUNCEMENT: _announcement,
    EmailKind.MEETING: _meeting,
    EmailKind.MEETING_UPDATE: _meeting,
    EmailKind.MEETING_CANCELLED: _meeting,
    EmailKind.MEETING_REMINDER: _meeting,
    EmailKind.MEETING_WITHDRAWN: _meeting,
    EmailKind.MINUTES: _minutes,
    EmailKind.MEETING_PLACE: _meeting_place,
    EmailKind.DIGEST: _digest,
}

PER_SUBSCRIBER_CONTEXT: dict[EmailKind, SubscriberContext] = {EmailKind.DIGEST: _digest_items}
