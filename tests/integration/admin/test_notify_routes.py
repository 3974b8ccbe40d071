"""Each network's route to Notify: its own service when it has one, else the deployment's; one limiter
bucket per service and key type, shared by the networks on that service; changes seen after a refresh."""

from __future__ import annotations

import uuid
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import NotifyKeyType
from notifier.db.base import utcnow
from notifier.db.models import Network
from notifier.db.session import unit_of_work
from notifier.services.admin import notify_services
from notifier.services.common.secrets_at_rest import SecretBox
from tests.support.seeding import network_with_topics
from tests.support.settings import make_settings
from workers.notify_routes import NetworkNotifyRouter

DEPLOYMENT_SERVICE = str(uuid.uuid4())
OWN_SERVICE = str(uuid.uuid4())
TEMPLATE = str(uuid.uuid4())


def _key(service: str) -> str:
    return f"key-{service}-{uuid.uuid4()}"


class _Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_networks_route_to_their_own_service_or_the_deployments(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    encryption_key = Fernet.generate_key().decode()
    settings = make_settings(
        var_dir=tmp_path,
        notify_base_url="http://127.0.0.1:9",
        notify_api_key_live=_key(DEPLOYMENT_SERVICE),
        notify_template_id=TEMPLATE,
        encryption_keys=encryption_key,
    )
    box = SecretBox.from_settings(settings)
    with unit_of_work(sessions) as uow:
        ids = {}
        for slug in ("plain", "own-a", "own-b", "own-test"):
            network, _ = network_with_topics(uow.session, slug)
            ids[slug] = network.id
        for slug, kind in (
            ("own-a", NotifyKeyType.LIVE),
            ("own-b", NotifyKeyType.LIVE),
            ("own-test", NotifyKeyType.TEST),
        ):
            entry = notify_services.NotifyServiceEntry(kind, TEMPLATE, {kind: _key(OWN_SERVICE)})
            network = uow.session.get_one(Network, ids[slug])
            notify_services.set_notify_service(uow.session, box, network, entry, actor="cli", now=utcnow())
    clock = _Clock()
    router = NetworkNotifyRouter(settings, sessions, refresh_seconds=60, monotonic=clock)
    plain, own_a, own_b, own_test = (router.route(ids[s]) for s in ("plain", "own-a", "own-b", "own-test"))
    assert plain is router.default and plain.bucket == f"{DEPLOYMENT_SERVICE}:live"
    assert own_a.bucket == own_b.bucket == f"{OWN_SERVICE}:live"
    assert own_a.limiter is own_b.limiter and own_a.limiter is not plain.limiter
    assert own_test.bucket == f"{OWN_SERVICE}:test" and own_test.limiter is not own_a.limiter
    with unit_of_work(sessions) as uow:
        notify_services.clear_notify_service(
            uow.session, uow.session.get_one(Network, ids["own-a"]), actor="cli"
        )
    assert router.route(ids["own-a"]).bucket == f"{OWN_SERVICE}:live"  # cached until the refresh
    clock.now = 61.0
    assert router.route(ids["own-a"]) is router.default
