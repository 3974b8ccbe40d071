"""Fan-out slices: cutting a message's audience into shares by subscriber id, and handing them out.

A run takes the first unfinished slice no other run holds (FOR UPDATE SKIP LOCKED on PostgreSQL;
SQLite's BEGIN IMMEDIATE lets one run in at a time anyway), so two chains never work on one slice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from notifier.db.models import FanoutSlice, Message, Subscription
from notifier.domain.statuses import MessageStatus
from notifier.repositories.deliveries import eligible_subscriptions


def plan(session: Session, message: Message, *, batch_size: int, parallelism: int, now: datetime) -> int:
    """Cut the audience into at most `parallelism` slices of at least a batch each; returns how many.

    The cut is by subscriber id range, which is even enough for an audience that joined over time. The
    last slice has no upper end, so whoever joins while the message fans out is still reached.
    """
    lowest, highest, audience = session.execute(
        select(
            func.min(Subscription.subscriber_id), func.max(Subscription.subscriber_id), func.count()
        ).where(*eligible_subscriptions(message))
    ).one()
    slices = max(1, min(parallelism, audience // batch_size))
    # Slice n starts after the n-th cut; the first after 0, so nobody below the lowest id is missed.
    starts = [0] + [lowest - 1 + (highest - lowest + 1) * n // slices for n in range(1, slices)]
    for slice_no, (after, last) in enumerate(zip(starts, [*starts[1:], None], strict=True)):
        session.add(
            FanoutSlice(
                message_id=message.id,
                slice_no=slice_no,
                network_id=message.network_id,
                after_subscriber_id=after,
                last_subscriber_id=last,
                finished=False,
                updated_at=now,
            )
        )
    session.flush()
    return len(starts)


def take(session: Session, message_id: int) -> FanoutSlice | None:
    """The first unfinished slice that no other run holds, locked until this transaction ends."""
    return session.scalars(
        select(FanoutSlice)
        .where(FanoutSlice.message_id == message_id, FanoutSlice.finished.is_(False))
        .order_by(FanoutSlice.slice_no)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def unfinished(session: Session, message_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).where(FanoutSlice.message_id == message_id, FanoutSlice.finished.is_(False))
        )
        or 0
    )


def stalled(session: Session, *, updated_before: datetime) -> list[tuple[int, int]]:
    """(message id, unfinished slices) of messages fanning out whose slices have all been idle since then."""
    busy = aliased(FanoutSlice)
    moving = exists().where(
        busy.message_id == Message.id, busy.finished.is_(False), busy.updated_at >= updated_before
    )
    rows = session.execute(
        select(Message.id, func.count(FanoutSlice.slice_no))
        .join(FanoutSlice, (FanoutSlice.message_id == Message.id) & FanoutSlice.finished.is_(False))
        .where(Message.status == MessageStatus.FANNING_OUT, ~moving)
        .group_by(Message.id)
    )
    return [(message_id, count) for message_id, count in rows]
