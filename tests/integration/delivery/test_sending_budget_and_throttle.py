"""The sender under load: chunks give their thread back, 429s drain the fleet's bucket, metrics count."""

from __future__ import annotations

from collections import deque
from itertools import count

from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Delivery
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus, Lane
from notifier.gateway.base import OutcomeKind
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.sending import Sender, SendingConfig, Step
from tests.integration.delivery.test_sending import SETTINGS, _chunk, _message_with
from tests.support.fakes import ScriptedGateway, UnlimitedLimiter


class DrainCountingLimiter(UnlimitedLimiter):
    def __init__(self) -> None:
        self.drained = 0

    def drain(self) -> None:
        self.drained += 1


def _sender(sessions: sessionmaker[Session], gateway: ScriptedGateway, **config: object) -> Sender:
    ticks = count()
    return Sender(
        sessions,
        gateway,
        DrainCountingLimiter(),
        TemplateComposer.from_settings(SETTINGS),
        SendingConfig(ambiguous_grace_seconds=0.0, **config),  # type: ignore[arg-type]
        sleep=lambda _: None,
        monotonic=lambda: float(next(ticks)),  # one second passes at every look at the clock
    )


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_chunk_gives_its_thread_back_after_its_time_budget_and_asks_to_run_again(
    sessions: sessionmaker[Session],
) -> None:
    """The budget is looked at before each group is claimed: rows past it stay queued, never claimed."""
    _, queue = _message_with(sessions, 6)
    gateway = ScriptedGateway()
    sender = _sender(sessions, gateway, time_budget_seconds=3.0, group_size=2)
    first = sender.send_chunk(*_chunk(queue))
    assert first.steps[Step.ACCEPTED] == 4 and first.retry_in_seconds == 0.0
    assert not first.steps[Step.RELEASED]
    with unit_of_work(sessions) as uow:
        left = uow.session.execute(
            select(Delivery.status, Delivery.attempts).where(Delivery.status != DeliveryStatus.ACCEPTED)
        ).all()
    assert left == [(DeliveryStatus.QUEUED, 0)] * 2
    while (report := sender.send_chunk(*_chunk(queue))).retry_in_seconds is not None:
        assert report.steps[Step.ACCEPTED] <= 4
    assert len(gateway.sent) == 6 and len({r.reference for r in gateway.sent}) == 6


def test_a_429_drains_the_fleets_bucket_and_the_try_does_not_count(sessions: sessionmaker[Session]) -> None:
    _, queue = _message_with(sessions, 2)
    gateway = ScriptedGateway(script=deque([OutcomeKind.THROTTLED, OutcomeKind.THROTTLED]))
    sender = _sender(sessions, gateway)
    throttled_before = _sample(
        "notifier_emails_total", lane="bulk", outcome="throttled", reason="no_response"
    )
    accepted_before = _sample("notifier_emails_total", lane="bulk", outcome="accepted", reason="")
    report = sender.send_chunk(*_chunk(queue))
    assert report.steps[Step.RELEASED] == 2 and report.retry_in_seconds
    assert isinstance(sender.limiter, DrainCountingLimiter) and sender.limiter.drained == 2
    with unit_of_work(sessions) as uow:
        rows = uow.session.execute(select(Delivery.status, Delivery.attempts)).all()
    assert rows == [(DeliveryStatus.QUEUED, 0)] * 2  # released, and the throttled tries are not counted
    sender.send_chunk(*_chunk(queue))
    assert (
        _sample("notifier_emails_total", lane="bulk", outcome="throttled", reason="no_response")
        == throttled_before + 2
    )
    assert _sample("notifier_emails_total", lane="bulk", outcome="accepted", reason="") == accepted_before + 2
    assert _sample("notifier_event_to_accepted_seconds_count", lane=Lane.BULK.value) >= 2
