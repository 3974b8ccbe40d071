"""A production web or worker starts only when some Notify service can send: the deployment's, or a
network's own (read from the database at start-up)."""

from __future__ import annotations

import subprocess
import sys
import uuid

from cryptography.fernet import Fernet
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import NotifyKeyType
from notifier.db.base import utcnow
from notifier.db.session import unit_of_work
from notifier.services.admin import notify_services
from notifier.services.admin.readiness import notify_problem
from notifier.services.common.secrets_at_rest import SecretBox
from tests.support.databases import PostgresDatabases
from tests.support.production import production_env
from tests.support.seeding import network_with_topics
from tests.support.settings import make_settings

TEMPLATE = str(uuid.uuid4())


def test_no_notify_service_anywhere_is_a_problem_until_a_network_brings_one(
    sessions: sessionmaker[Session],
) -> None:
    settings = make_settings(encryption_keys=Fernet.generate_key().decode())
    with unit_of_work(sessions) as uow:
        network, _ = network_with_topics(uow.session, "own")
        problem = notify_problem(uow.session, settings)
        assert problem is not None
        assert problem.startswith("NOTIFIER_NOTIFY_API_KEY_LIVE, NOTIFIER_NOTIFY_TEMPLATE_ID: not set")
        entry = notify_services.NotifyServiceEntry(
            NotifyKeyType.LIVE, TEMPLATE, {NotifyKeyType.LIVE: f"key-{uuid.uuid4()}-{uuid.uuid4()}"}
        )
        notify_services.set_notify_service(
            uow.session, SecretBox.from_settings(settings), network, entry, actor="cli", now=utcnow()
        )
        assert notify_problem(uow.session, settings) is None
    deployment = make_settings(notify_api_key_live="key", notify_template_id=TEMPLATE)
    with unit_of_work(sessions) as uow:
        assert notify_problem(uow.session, deployment) is None


def test_production_web_without_any_notify_service_refuses_in_one_line(postgres: PostgresDatabases) -> None:
    url = postgres.create()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "notifier", "web"],
            capture_output=True,
            text=True,
            env=production_env(url),
            timeout=60,
            check=False,
        )
    finally:
        postgres.drop(url)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "NOTIFIER_NOTIFY_API_KEY_LIVE, NOTIFIER_NOTIFY_TEMPLATE_ID: not set" in result.stderr
