"""The retention dry run: per rule, its period, what is due now and when the next thing falls due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import ContactEnquiry, DataRequest, Delivery, Signup
from notifier.domain.retention import Period, RetentionKind
from notifier.domain.rights import CLOSED_STATUSES, DataRequestKind, DataRequestStatus
from notifier.repositories import answers as answer_repo
from notifier.repositories import retention as repo
from notifier.services.archive.retention import ArchiveRetention, archive_retention
from notifier.services.privacy.retention import rules_for, unconfirmed_person_period


@dataclass(frozen=True)
class ReportLine:
    kind: RetentionKind
    period: Period
    cutoff: datetime
    due_now: int
    next_due_at: datetime | None  # when the next row not yet due becomes due
    kept: int = 0  # past the period but kept, for the reason below
    kept_because: str = ""


def retention_report(
    session: Session, settings: Settings, network_id: int, now: datetime
) -> list[ReportLine]:
    rules = rules_for(session, network_id, settings)
    lines = []
    for kind in RetentionKind:
        period = rules[kind]
        cutoff = period.before(now)
        if kind is RetentionKind.UNCONFIRMED_SIGNUP:
            due, next_due = _unconfirmed(session, network_id, period, settings, now)
        else:
            if kind is RetentionKind.MEETING_ACCESS_NEEDS:  # due from the meeting's end (or at once)
                due = repo.count(session, answer_repo.access_needs_due(network_id, cutoff))
                next_stamp = answer_repo.next_access_needs_end(session, network_id, cutoff)
            else:
                due, next_stamp = _measure(session, kind, network_id, cutoff, now)
            next_due = period.after(next_stamp) if next_stamp is not None else None
        if kind is RetentionKind.LEFT_SUBSCRIBER:
            kept = repo.count(session, repo.left_admins(network_id, cutoff))
            lines.append(
                ReportLine(kind, period, cutoff, due, next_due, kept, ADMIN_ROLE_KEPT if kept else "")
            )
        else:
            lines.append(ReportLine(kind, period, cutoff, due, next_due))
    return lines


def archive_report(session: Session, settings: Settings, network_id: int, now: datetime) -> ArchiveRetention:
    """The members' archive's line: its items hold no personal data, so they are kept for ever unless
    the deployment sets `archive_retention_months`."""
    return archive_retention(session, settings, network_id, now)


ADMIN_ROLE_KEPT = (
    "hold an admin role: only their name and work address are kept, until the period has passed "
    "after the role is removed"
)


def _unconfirmed(
    session: Session, network_id: int, period: Period, settings: Settings, now: datetime
) -> tuple[int, datetime | None]:
    """(due now, next due), as the run decides: a sign-up goes when its link expires or the rule's
    period after it was made (a network may shorten the rule below the link's life), whichever comes
    first; a person left with no sign-up goes `unconfirmed_person_period` after they were created."""
    cutoff = period.before(now)
    person_period = unconfirmed_person_period(period, settings)
    person_cutoff = person_period.before(now)
    unconfirmed = (Signup.network_id == network_id, Signup.confirmed_at.is_(None))
    expired = select(Signup.id).where(  # as repo.delete_expired_signups decides
        *unconfirmed, or_(Signup.expires_at <= now, Signup.created_at <= cutoff)
    )
    due = repo.count(session, expired) + repo.count(
        session, repo.unconfirmed_subscribers(network_id, person_cutoff)
    )
    stamps = [
        repo.earliest(session, Signup.expires_at, *unconfirmed, Signup.expires_at > now),
        _after(period, repo.earliest(session, Signup.created_at, *unconfirmed, Signup.created_at > cutoff)),
        _after(person_period, repo.next_unconfirmed_stamp(session, network_id, person_cutoff)),
    ]
    found = [stamp for stamp in stamps if stamp is not None]
    return due, min(found) if found else None


def _after(period: Period, stamp: datetime | None) -> datetime | None:
    return period.after(stamp) if stamp is not None else None


def _measure(
    session: Session, kind: RetentionKind, network_id: int, cutoff: datetime, now: datetime
) -> tuple[int, datetime | None]:
    """(rows due now, the stamp of the next row to fall due)."""
    if kind is RetentionKind.LEFT_SUBSCRIBER:
        due = repo.count(session, repo.left_subscribers(network_id, cutoff))
        return due, repo.next_left_stamp(session, network_id, cutoff)
    if kind is RetentionKind.CONTACT_ENQUIRY:
        mine = ContactEnquiry.network_id == network_id
        due = repo.count(session, select(ContactEnquiry.id).where(mine, ContactEnquiry.received_at <= cutoff))
        return due, repo.earliest(
            session, ContactEnquiry.received_at, mine, ContactEnquiry.received_at > cutoff
        )
    if kind is RetentionKind.DELIVERY_LINK:
        linked = (Delivery.network_id == network_id, *repo.LINK_DUE)  # read from ix_delivery_link_due
        due = repo.count(session, select(Delivery.id).where(*linked, Delivery.updated_at <= cutoff))
        return due, repo.earliest(session, Delivery.updated_at, *linked, Delivery.updated_at > cutoff)
    if kind is RetentionKind.ERASURE_REQUEST:
        open_erasure = (
            DataRequest.network_id == network_id,
            DataRequest.kind == DataRequestKind.ERASURE,
            DataRequest.status == DataRequestStatus.OPEN,
        )
        due = repo.count(
            session, select(DataRequest.id).where(*open_erasure, DataRequest.verified_at <= cutoff)
        )
        return due, repo.earliest(
            session, DataRequest.verified_at, *open_erasure, DataRequest.verified_at > cutoff
        )
    closed = (
        DataRequest.network_id == network_id,
        DataRequest.status.in_(CLOSED_STATUSES),
        DataRequest.subscriber_id.is_not(None),
    )
    due = repo.count(session, select(DataRequest.id).where(*closed, DataRequest.completed_at <= cutoff))
    return due, repo.earliest(session, DataRequest.completed_at, *closed, DataRequest.completed_at > cutoff)
