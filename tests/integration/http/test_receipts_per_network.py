"""Receipts find their network and check that network's bearer: its own Notify service's callback
token, or the deployment's when it has none. A receipt signed with another network's token is refused."""

from __future__ import annotations

import uuid

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import NotifyKeyType
from notifier.db.base import utcnow
from notifier.db.models import Delivery
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus
from notifier.repositories import deliveries as delivery_repo
from notifier.services.admin import notify_services
from notifier.services.common.secrets_at_rest import SecretBox
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.sources.publishing import announce
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber
from tests.support.webapp import CALLBACK_TOKEN, web_app

OWN_TOKEN = "own-service-callback-token"


def _accepted_delivery(sessions: sessionmaker[Session], slug: str, notify_id: str) -> int:
    queue = RecordingQueue()
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, slug)
        subscriber(uow.session, network, f"someone@{slug}.gov.uk", [news])
        message_id = announce(uow, queue, network, news, subject="S", body="B").id
    fan_out_next_batch(sessions, queue, message_id, batch_size=10, chunk_size=10)
    with unit_of_work(sessions) as uow:
        delivery_id = uow.session.scalars(select(Delivery.id).where(Delivery.message_id == message_id)).one()
        assert delivery_repo.claim(uow.session, delivery_id, utcnow())
        delivery_repo.transition(
            uow.session, delivery_id, DeliveryStatus.ACCEPTED, utcnow(), notify_id=notify_id
        )
        if slug == "own":
            key = f"live-{uuid.uuid4()}-{uuid.uuid4()}"
            entry = notify_services.NotifyServiceEntry(
                NotifyKeyType.LIVE, str(uuid.uuid4()), {NotifyKeyType.LIVE: key}, callback_token=OWN_TOKEN
            )
            network = uow.session.get_one(type(network), network.id)
            box = SecretBox([Fernet.generate_key()])
            notify_services.set_notify_service(uow.session, box, network, entry, actor="cli", now=utcnow())
    return delivery_id


def _receipt(delivery_id: int | str, notify_id: str) -> dict[str, str]:
    return {"id": notify_id, "reference": str(delivery_id), "to": "x@dept.gov.uk", "status": "delivered"}


def test_each_network_s_receipts_need_its_own_bearer(sessions: sessionmaker[Session]) -> None:
    own = _accepted_delivery(sessions, "own", "n-own")
    shared = _accepted_delivery(sessions, "shared", "n-shared")
    web = web_app(sessions)

    def post(delivery_id: int | str, notify_id: str, token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return web.client.post(
            "/notify/receipts", json=_receipt(delivery_id, notify_id), headers=headers
        ).status_code

    assert post(own, "n-own", CALLBACK_TOKEN) == 401  # the deployment's token does not speak for "own"
    assert post(shared, "n-shared", OWN_TOKEN) == 401  # nor "own"'s token for another network
    assert post(2**63, "n-x", OWN_TOKEN) == 401  # an unknown reference needs the deployment's token
    assert post(2**63, "n-x", CALLBACK_TOKEN) == 404  # out of range: no such delivery, not a 500
    assert post(own, "n-own", OWN_TOKEN) == 204
    assert post(shared, "n-shared", CALLBACK_TOKEN) == 204
    with unit_of_work(sessions) as uow:
        statuses = set(uow.session.scalars(select(Delivery.status)))
    assert statuses == {DeliveryStatus.DELIVERED}
