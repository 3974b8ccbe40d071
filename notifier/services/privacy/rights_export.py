"""Access and portability: everything held about one person, as JSON and as CSV.

Each section is read with the person's own id, so nothing about anybody else can appear. The bundle
also says what would survive an erasure (the suppression hash) and that Notify keeps its own copy of
each email for its retention period.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.models import (
    ConsentEvent,
    DataRequest,
    Delivery,
    DigestEntry,
    Event,
    Meeting,
    MeetingAnswer,
    MeetingInvitee,
    Membership,
    Message,
    Network,
    Signup,
    Subscriber,
    Subscription,
    Suppression,
    Topic,
)

Row = dict[str, Any]


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_bundle(
    session: Session, subscriber: Subscriber, *, notify_retention_days: int, now: datetime
) -> dict[str, Any]:
    network = session.get_one(Network, subscriber.network_id)
    topics = {t.id: t.name for t in session.scalars(select(Topic).where(Topic.network_id == network.id))}
    return {
        "about": {
            "network": network.name,
            "generated_at": now.isoformat(),
            "privacy_notice": network.privacy_notice_url,
            "what_survives_erasure": (
                "If you objected to email or your address bounced, we keep a keyed hash of your address "
                "(not the address) in our suppression list so that an import cannot add you again. "
                "Email delivery records keep their GOV.UK Notify ids and counts, without any link to you."
            ),
            "notify_copies": (
                f"GOV.UK Notify keeps its own copy of each email for {notify_retention_days} days after it "
                "was sent; an erasure is complete only once that period has passed."
            ),
        },
        "subscriber": {
            "id": subscriber.id,
            "email": subscriber.email,
            "pending_email": subscriber.pending_email,  # a new address not confirmed yet
            "name": subscriber.name,
            "department": subscriber.department,
            "status": subscriber.status.value,
            "created_at": _when(subscriber.created_at),
            "confirmed_at": _when(subscriber.confirmed_at),
            "left_at": _when(subscriber.left_at),
        },
        "subscriptions": _subscriptions(session, subscriber, topics),
        "consent_history": _consent(session, subscriber, topics),
        "signups": _signups(session, subscriber, topics),
        "memberships": _memberships(session, subscriber),
        "meeting_invitations": _invitations(session, subscriber),
        "meeting_answers": _answers(session, subscriber),
        "emails": _emails(session, subscriber),
        "digest_entries": _digest_entries(session, subscriber),
        "data_requests": _requests(session, subscriber),
        "suppression": _suppression(session, subscriber),
    }


def _subscriptions(session: Session, subscriber: Subscriber, topics: dict[int, str]) -> list[Row]:
    rows = session.scalars(
        select(Subscription).where(Subscription.subscriber_id == subscriber.id).order_by(Subscription.id)
    )
    return [
        {
            "topic": topics.get(s.topic_id, ""),
            "frequency": s.frequency.value,
            "started_at": _when(s.started_at),
            "ended_at": _when(s.ended_at),
            "ended_reason": s.ended_reason.value if s.ended_reason else None,
        }
        for s in rows
    ]


def _consent(session: Session, subscriber: Subscriber, topics: dict[int, str]) -> list[Row]:
    rows = session.scalars(
        select(ConsentEvent).where(ConsentEvent.subscriber_id == subscriber.id).order_by(ConsentEvent.id)
    )
    return [
        {
            "occurred_at": _when(c.occurred_at),
            "action": c.action.value,
            "source": c.source.value,
            "topic": topics.get(c.topic_id, "") if c.topic_id is not None else "",
            "privacy_notice_version": c.notice_version,
        }
        for c in rows
    ]


def _signups(session: Session, subscriber: Subscriber, topics: dict[int, str]) -> list[Row]:
    rows = session.scalars(select(Signup).where(Signup.subscriber_id == subscriber.id).order_by(Signup.id))
    return [
        {
            "name": s.name,
            "department": s.department,
            "topics": ", ".join(topics.get(t, "") for t in s.topic_ids),
            "frequency": s.frequency.value,
            "created_at": _when(s.created_at),
            "expires_at": _when(s.expires_at),
            "confirmed_at": _when(s.confirmed_at),
        }
        for s in rows
    ]


def _memberships(session: Session, subscriber: Subscriber) -> list[Row]:
    rows = session.scalars(
        select(Membership).where(Membership.subscriber_id == subscriber.id).order_by(Membership.id)
    )
    return [
        {
            "status": m.status.value,
            "eligibility_statement": m.eligibility_statement,
            "requested_at": _when(m.requested_at),
            "decided_at": _when(m.decided_at),
            "closed_at": _when(m.closed_at),
            "note": m.note,
        }
        for m in rows
    ]


def _invitations(session: Session, subscriber: Subscriber) -> list[Row]:
    rows = session.execute(
        select(Meeting.title, Meeting.start_at)
        .join(MeetingInvitee, MeetingInvitee.meeting_id == Meeting.id)
        .where(MeetingInvitee.subscriber_id == subscriber.id)
        .order_by(Meeting.start_at)
    )
    return [{"meeting": title, "starts_at": _when(start)} for title, start in rows]


def _answers(session: Session, subscriber: Subscriber) -> list[Row]:
    """Their answers to meeting invitations, with what they told us in answer to the question."""
    rows = session.execute(
        select(MeetingAnswer, Meeting.title, Meeting.start_at, Meeting.access_question)
        .join(Meeting, Meeting.id == MeetingAnswer.meeting_id)
        .where(MeetingAnswer.subscriber_id == subscriber.id)
        .order_by(Meeting.start_at, MeetingAnswer.id)
    )
    return [
        {
            "meeting": title,
            "starts_at": _when(start),
            "answer": a.answer.value,
            "place": a.place.value if a.place else None,
            "offer_expires_at": _when(a.offer_expires_at),
            "question": question or None,
            "your_answer_to_the_question": a.access_needs,
            "answered_at": _when(a.answered_at),
            "changed_at": _when(a.updated_at),
        }
        for a, title, start, question in rows
    ]


def _digest_entries(session: Session, subscriber: Subscriber) -> list[Row]:
    """Each item listed in their daily or weekly summaries, and which summary email listed it."""
    rows = session.execute(
        select(DigestEntry, Event.title, Event.kind)
        .join(Event, Event.id == DigestEntry.event_id)
        .where(DigestEntry.subscriber_id == subscriber.id)
        .order_by(DigestEntry.id)
    )
    return [
        {"item": title, "kind": kind.value, "summary_message": d.message_id, "listed_at": _when(d.created_at)}
        for d, title, kind in rows
    ]


def _emails(session: Session, subscriber: Subscriber) -> list[Row]:
    rows = session.execute(
        select(Delivery, Message.email_kind, Event.title)
        .join(Message, Message.id == Delivery.message_id)
        .outerjoin(Event, Event.id == Message.event_id)
        .where(Delivery.subscriber_id == subscriber.id)
        .order_by(Delivery.id)
    )
    return [
        {
            "kind": kind,
            "about": title or "",
            "status": d.status.value,
            "queued_at": _when(d.created_at),
            "accepted_by_notify_at": _when(d.accepted_at),
            "completed_at": _when(d.completed_at),
            "notify_id": d.notify_id,
        }
        for d, kind, title in rows
    ]


def _requests(session: Session, subscriber: Subscriber) -> list[Row]:
    rows = session.scalars(
        select(DataRequest).where(DataRequest.subscriber_id == subscriber.id).order_by(DataRequest.id)
    )
    return [
        {
            "kind": r.kind.value,
            "status": r.status.value,
            "received_at": _when(r.received_at),
            "deadline": _when(r.deadline_at),
            "completed_at": _when(r.completed_at),
            "outcome": r.outcome,
        }
        for r in rows
    ]


def _suppression(session: Session, subscriber: Subscriber) -> Row:
    row = session.scalars(
        select(Suppression).where(
            Suppression.network_id == subscriber.network_id, Suppression.email_hash == subscriber.email_hash
        )
    ).one_or_none()
    if row is None:
        return {"suppressed": False}
    return {"suppressed": True, "reason": row.reason.value, "since": _when(row.created_at)}


def bundle_as_csv(bundle: dict[str, Any]) -> str:
    """One row per value: section, item number (blank for single records), field, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "item", "field", "value"])
    for section, content in bundle.items():
        records = content if isinstance(content, list) else [content]
        for index, record in enumerate(records, start=1):
            item = str(index) if isinstance(content, list) else ""
            for name, value in record.items():
                writer.writerow([section, item, name, "" if value is None else _csv_safe(str(value))])
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula: a quote makes it plain text."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value
