"""One reminder to people an admin asked to confirm (an import, or an "add to topic" from the members
page): `REMINDER_AFTER` their sign-up, while its link still works, the confirmation email again, saying
it is a reminder. Never a second one (`signup.reminded_at`). Run by beat with the hourly tidy of
sign-ups (workers/tasks/maintenance.py); whoever has not confirmed when the link expires is deleted
then (`privacy/expired_signups.py`, and the retention rule `unconfirmed_signup`).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select

from notifier.db.models import Signup, Subscriber, Topic
from notifier.db.session import UnitOfWork
from notifier.domain.statuses import ConsentSource
from notifier.rendering.emails import EmailKind
from notifier.services.common.ports import TaskQueue
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.subscribers.signups import ConfirmLinks, ConfirmRef

REMINDER_AFTER = timedelta(days=7)
ASKED_BY_ADMINS = (ConsentSource.IMPORT, ConsentSource.ADMIN)
BATCH = 500


def remind_unconfirmed(uow: UnitOfWork, queue: TaskQueue, links: ConfirmLinks, now: datetime) -> int:
    """Queue the reminders due now (at most BATCH, oldest first); how many."""
    session = uow.session
    due = session.scalars(
        select(Signup)
        .where(
            Signup.confirmed_at.is_(None),
            Signup.reminded_at.is_(None),
            Signup.source.in_(ASKED_BY_ADMINS),
            Signup.created_at <= now - REMINDER_AFTER,
            Signup.expires_at > now,
        )
        .order_by(Signup.id)
        .limit(BATCH)
    ).all()
    for signup in due:
        person = session.get_one(Subscriber, signup.subscriber_id)
        names = list(
            session.scalars(
                select(Topic.name).where(
                    Topic.network_id == signup.network_id, Topic.id.in_(signup.topic_ids)
                )
            )
        )
        context = {
            "confirm_url": links.url(ConfirmRef(signup.network_id, signup.subscriber_id, signup.id)),
            "topic_names": sorted(names),
            "expiry_days": max(1, math.ceil((signup.expires_at - now) / timedelta(days=1))),
            "membership": False,
            "invited": True,
            "reminder": True,
        }
        queue_one_email(uow, queue, person, EmailKind.CONFIRM_SUBSCRIPTION, context, now=now)
        signup.reminded_at = now
    return len(due)
