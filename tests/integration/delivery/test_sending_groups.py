"""Groups: a claimed row is sent soon after its claim or given back unsent, so the sweeper's lookup
can never re-queue a row that this group will still send; a group's accepted rows are recorded together."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus
from notifier.gateway.base import EmailRequest, SendOutcome
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.sending import Sender, SendingConfig, Step
from tests.integration.delivery.test_sending import SETTINGS, _chunk, _message_with
from tests.support.fakes import ScriptedGateway, UnlimitedLimiter


class SlowNotify(ScriptedGateway):
    """Each send takes four seconds of the sender's clock."""

    def __init__(self) -> None:
        super().__init__()
        self.now = utcnow()

    def send(self, request: EmailRequest) -> SendOutcome:
        self.now += timedelta(seconds=4)
        return super().send(request)


def _rows(sessions: sessionmaker[Session], message_id: int) -> list[tuple[DeliveryStatus, int]]:
    with unit_of_work(sessions) as uow:
        return [
            (status, attempts)
            for status, attempts in uow.session.execute(
                select(Delivery.status, Delivery.attempts)
                .where(Delivery.message_id == message_id)
                .order_by(Delivery.id)
            )
        ]


def test_rows_not_sent_within_the_claim_hold_go_back_unsent_and_uncounted(
    sessions: sessionmaker[Session],
) -> None:
    message_id, queue = _message_with(sessions, 5)
    gateway = SlowNotify()
    sender = Sender(
        sessions,
        gateway,
        UnlimitedLimiter(),
        TemplateComposer.from_settings(SETTINGS),
        SendingConfig(claim_hold_seconds=3.0, group_size=5),
        clock=lambda: gateway.now,
        sleep=lambda _: None,
    )
    first = sender.send_chunk(*_chunk(queue))
    assert first.steps[Step.ACCEPTED] == 1 and first.steps[Step.RELEASED] == 4
    assert _rows(sessions, message_id) == [(DeliveryStatus.ACCEPTED, 1)] + [(DeliveryStatus.QUEUED, 0)] * 4
    while sender.send_chunk(*_chunk(queue)).steps[Step.RELEASED]:
        pass
    assert _rows(sessions, message_id) == [(DeliveryStatus.ACCEPTED, 1)] * 5
    assert len(gateway.sent) == 5 and len({r.reference for r in gateway.sent}) == 5


def test_a_group_is_claimed_and_recorded_together(sessions: sessionmaker[Session]) -> None:
    message_id, queue = _message_with(sessions, 7)
    gateway = ScriptedGateway()
    sender = Sender(
        sessions,
        gateway,
        UnlimitedLimiter(),
        TemplateComposer.from_settings(SETTINGS),
        SendingConfig(group_size=3),
        sleep=lambda _: None,
    )
    report = sender.send_chunk(*_chunk(queue))
    assert report.steps[Step.ACCEPTED] == 7 and report.retry_in_seconds is None
    assert _rows(sessions, message_id) == [(DeliveryStatus.ACCEPTED, 1)] * 7
    with unit_of_work(sessions) as uow:
        notify_ids = uow.session.scalars(
            select(Delivery.notify_id).where(Delivery.message_id == message_id)
        ).all()
    assert len(set(notify_ids)) == 7 and None not in notify_ids
