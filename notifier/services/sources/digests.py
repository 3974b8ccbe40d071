"""Daily and weekly digests: one email per reader per period, listing what they are owed on their
topics of that frequency (repositories/digests.py): each item in exactly one of their emails, decided
when the digest runs, so moving between immediate, daily and weekly neither loses nor repeats one.
Periods end at 08:00 Europe/London (weekly ones on Monday); each period runs once per network (a
unique row), and a period with nothing for someone sends them nothing. The daily run also takes what
a reader who moved to immediate email was still owed from before the move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import DigestRun, Message, Network
from notifier.db.session import UnitOfWork, unit_of_work
from notifier.domain.statuses import Frequency, Lane, MessageStatus
from notifier.repositories import digests as digest_repo
from notifier.services.common.ports import TaskQueue
from notifier.services.delivery.direct_sends import enqueue_sends

LONDON = ZoneInfo("Europe/London")
BOUNDARY = time(8, 0)
DIGEST_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)


@dataclass(frozen=True)
class Period:
    frequency: Frequency
    start: datetime
    end: datetime


def latest_period(frequency: Frequency, now: datetime) -> Period:
    """The last complete period before `now`: it ends at the latest 08:00 London (a Monday, weekly)."""
    local = now.astimezone(LONDON)
    end_day = local.date() if local.time() >= BOUNDARY else local.date() - timedelta(days=1)
    days = 1
    if frequency is Frequency.WEEKLY:
        end_day -= timedelta(days=end_day.weekday())  # back to Monday
        if datetime.combine(end_day, BOUNDARY, LONDON).astimezone(UTC) > now:  # instants, not walls
            end_day -= timedelta(days=7)
        days = 7
    # Local wall-clock arithmetic, so a period across a clock change still runs 08:00 to 08:00.
    end = datetime.combine(end_day, BOUNDARY, LONDON)
    start = datetime.combine(end_day - timedelta(days=days), BOUNDARY, LONDON)
    return Period(frequency, start.astimezone(UTC), end.astimezone(UTC))


@dataclass(frozen=True)
class DigestOutcome:
    network_id: int
    frequency: Frequency
    message_id: int | None
    recipients: int


def run_due_digests(
    sessions: sessionmaker[Session], queue: TaskQueue, now: datetime, *, chunk_size: int
) -> list[DigestOutcome]:
    """Run each network's latest daily and weekly period if it has not run; safe to call often.

    Opens a unit of work per network and period (not one from its task): a period another process
    claimed first fails alone (its unique row), and each run's enqueue follows its own commit."""
    with unit_of_work(sessions) as uow:
        network_ids = list(uow.session.scalars(select(Network.id).order_by(Network.id)))
    outcomes = []
    for network_id in network_ids:
        for frequency in DIGEST_FREQUENCIES:
            outcome = run_digest(
                sessions, queue, network_id, latest_period(frequency, now), chunk_size=chunk_size
            )
            if outcome is not None:
                outcomes.append(outcome)
    return outcomes


def run_digest(
    sessions: sessionmaker[Session], queue: TaskQueue, network_id: int, period: Period, *, chunk_size: int
) -> DigestOutcome | None:
    """None when this period already ran for the network (here or in another process)."""
    try:
        with unit_of_work(sessions) as uow:
            return _run(uow, queue, network_id, period, chunk_size)
    except IntegrityError:
        return None  # another beat or CLI run took the period first


def _run(
    uow: UnitOfWork, queue: TaskQueue, network_id: int, period: Period, chunk_size: int
) -> DigestOutcome | None:
    session = uow.session
    if digest_repo.get_run(session, network_id, period.frequency, period.start) is not None:
        return None
    run = DigestRun(
        network_id=network_id, frequency=period.frequency, period_start=period.start, period_end=period.end
    )
    session.add(run)
    session.flush()  # the unique row claims the period before any email exists
    message = Message(
        network_id=network_id,
        email_kind="digest",
        lane=Lane.BULK,
        status=MessageStatus.SENDING,
        context={
            "period": period.frequency.value,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
    )
    session.add(message)
    session.flush()
    frequencies = (
        (Frequency.DAILY, Frequency.IMMEDIATE) if period.frequency is Frequency.DAILY else (period.frequency,)
    )
    digest_repo.record_entries(session, message, frequencies, period.end, utcnow())
    recipients = digest_repo.insert_recipients(session, message, utcnow())
    if recipients == 0:
        session.delete(message)  # never an empty digest: the run is remembered, no message
        return DigestOutcome(network_id, period.frequency, None, 0)
    run.message_id = message.id
    enqueue_sends(uow, queue, message, chunk_size)
    return DigestOutcome(network_id, period.frequency, message.id, recipients)
