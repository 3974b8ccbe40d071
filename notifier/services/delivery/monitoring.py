"""What the operator's dashboards read from the database: the depth of each lane's queue."""

from __future__ import annotations

from notifier.db.session import UnitOfWork
from notifier.domain.statuses import DeliveryStatus
from notifier.metrics import IN_FLIGHT, QUEUE_DEPTH
from notifier.repositories import deliveries as delivery_repo


def refresh_queue_gauges(uow: UnitOfWork) -> None:
    """Set the queue-depth gauges from the delivery rows: the database is the source of truth."""
    for lane, count in delivery_repo.counts_by_lane(uow.session, DeliveryStatus.QUEUED).items():
        QUEUE_DEPTH.labels(lane=lane.value).set(count)
    sending = delivery_repo.counts_by_lane(uow.session, DeliveryStatus.SENDING)
    IN_FLIGHT.set(sum(sending.values()))
