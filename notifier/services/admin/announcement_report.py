"""An announcement's delivery report: its send in figures (all its messages together: one per topic,
each reader once) and, for an admin, which addresses failed and Notify's reason in plain words, each
linking to the person's page. Editors and approvers see the figures only: addresses are an admin's."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from notifier.db.models import Announcement, Delivery, Message, Subscriber
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import DeliveryStatus
from notifier.repositories import messages as message_repo
from notifier.services.admin.reporting import FAILED, message_progress
from notifier.services.common.actors import Actor
from notifier.services.common.scope import NetworkScope

LISTED = 500  # failed addresses shown at most; the figures count them all
NOTIFY_REASONS = {
    DeliveryStatus.PERMANENT_FAILURE: "The address does not exist or cannot take email (permanent failure)",
    DeliveryStatus.TEMPORARY_FAILURE: "The inbox was full or not taking email for now (temporary failure)",
    DeliveryStatus.TECHNICAL_FAILURE: "A technical problem at Notify or on the way to it (technical failure)",
}


@dataclass(frozen=True)
class FailedAddress:
    subscriber_id: int | None  # None once retention or erasure has cleared the link
    email: str
    reason: str  # Notify's reason, in plain words
    detail: str  # what was recorded with it, if anything


@dataclass(frozen=True)
class AnnouncementReport:
    message_ids: list[int]
    counts: dict[str, int]
    failed_by_reason: list[tuple[str, int]]
    failed: list[FailedAddress] | None  # None: the viewer may see figures only


def message_ids_of(scope: NetworkScope, announcement: Announcement) -> list[int]:
    """Its messages: the first, and the other topics' messages of the same event."""
    if announcement.message_id is None:
        return []
    first = scope.get(Message, announcement.message_id, what="message")
    if first.event_id is None:
        return [first.id]
    query = scope.rows(Message).where(Message.event_id == first.event_id).order_by(Message.id)
    return [m.id for m in scope.session.scalars(query)]


def announcement_report(
    scope: NetworkScope, announcement: Announcement, viewer: Actor
) -> AnnouncementReport | None:
    """None until it is sent."""
    ids = message_ids_of(scope, announcement)
    if not ids:
        return None
    counts: Counter[str] = Counter()
    for message_id in ids:
        progress = message_progress(scope.session, message_id)
        if progress is not None:
            counts.update(progress.counts)
    rows = _failed_rows(scope, ids)
    by_reason = _failed_by_reason(scope, ids)
    listed = (
        [
            FailedAddress(s_id, email or "", NOTIFY_REASONS[status], note or "")
            for status, note, s_id, email in rows
        ]
        if viewer.role.allows(AdminRole.ADMIN)
        else None
    )
    return AnnouncementReport(ids, dict(counts), by_reason, listed)


def _failed_by_reason(scope: NetworkScope, message_ids: list[int]) -> list[tuple[str, int]]:
    counted: Counter[str] = Counter()
    for message_id in message_ids:
        for (status, _note), count in message_repo.reason_counts(scope.session, message_id, FAILED).items():
            counted[NOTIFY_REASONS[status]] += count
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))


def _failed_rows(
    scope: NetworkScope, message_ids: list[int]
) -> list[tuple[DeliveryStatus, str | None, int | None, str | None]]:
    query = (
        select(Delivery.status, Delivery.failure_reason, Delivery.subscriber_id, Subscriber.email)
        .outerjoin(
            Subscriber,
            (Subscriber.id == Delivery.subscriber_id) & (Subscriber.network_id == Delivery.network_id),
        )
        .where(
            Delivery.network_id == scope.network_id,
            Delivery.message_id.in_(message_ids),
            Delivery.status.in_(FAILED),
        )
        .order_by(Delivery.id)
        .limit(LISTED)
    )
    return [tuple(row) for row in scope.session.execute(query)]  # type: ignore[misc]
