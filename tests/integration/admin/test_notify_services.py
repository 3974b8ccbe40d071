"""A network's own Notify service: stored encrypted, never shown, checked against the real client and
the sandbox, refused clearly when wrong, re-encrypted on key rotation."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from notifier.cli import app as cli_app
from notifier.config import NotifyKeyType
from notifier.db.base import utcnow
from notifier.db.models import AuditRecord, NetworkNotifyService
from notifier.db.session import unit_of_work
from notifier.gateway.notify import build_gateway
from notifier.services.admin import notify_services
from notifier.services.admin.notify_services import NotifyServiceEntry, NotifyServiceRefused
from notifier.services.common.secrets_at_rest import SecretBox, SecretUnreadable
from tests.support.fixtures import notify_sandbox  # noqa: F401 - a fixture
from tests.support.sandbox import RunningSandbox
from tests.support.seeding import network_with_topics
from tests.support.settings import make_settings

SERVICE = "26785a09-ab16-4eb0-8407-a37497a57506"
OTHER_SERVICE = "0f0f0f0f-ab16-4eb0-8407-a37497a57506"
TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"


def _key(name: str, service: str = SERVICE) -> str:
    return f"{name}-{service}-{uuid.uuid4()}"


def _box() -> SecretBox:
    return SecretBox([Fernet.generate_key()])


def test_keys_are_stored_encrypted_and_only_their_kinds_are_shown(sessions: sessionmaker[Session]) -> None:
    box, live, test = _box(), _key("live"), _key("test")
    with unit_of_work(sessions) as uow:
        network, _ = network_with_topics(uow.session, "own")
        entry = NotifyServiceEntry(
            NotifyKeyType.LIVE, TEMPLATE, {NotifyKeyType.LIVE: live, NotifyKeyType.TEST: test},
            callback_token="a-bearer-token-of-some-length",
        )  # fmt: skip
        summary = notify_services.set_notify_service(
            uow.session, box, network, entry, actor="cli", now=utcnow()
        )
    assert summary.service_id == SERVICE
    assert summary.keys_set == (NotifyKeyType.LIVE, NotifyKeyType.TEST)
    assert summary.own_callback_token and summary.template_id == TEMPLATE
    with unit_of_work(sessions) as uow:
        raw = uow.session.execute(text("SELECT * FROM network_notify_service")).mappings().one()
        stored = " ".join(str(value) for value in raw.values())
        assert live not in stored and test not in stored and "a-bearer-token" not in stored
        assert notify_services.credentials_for(
            uow.session, box, network.id
        ) == notify_services.NotifyCredentials(SERVICE, live, TEMPLATE, NotifyKeyType.LIVE)
        audit = uow.session.scalars(select(AuditRecord.action)).all()
        assert "notify_service.set" in audit
        assert all(live not in str(r.detail) for r in uow.session.scalars(select(AuditRecord)))


@pytest.mark.parametrize(
    ("keys", "template", "token", "field"),
    [
        ({NotifyKeyType.LIVE: "not-a-key"}, TEMPLATE, None, "api_key_live"),
        (
            {NotifyKeyType.LIVE: _key("l"), NotifyKeyType.TEAM: _key("t", OTHER_SERVICE)},
            TEMPLATE,
            None,
            "api_keys",
        ),
        ({NotifyKeyType.TEAM: _key("t")}, TEMPLATE, None, "api_key_live"),
        ({NotifyKeyType.LIVE: _key("l")}, "template", None, "template_id"),
        ({NotifyKeyType.LIVE: _key("l")}, TEMPLATE, "short", "callback_token"),
        ({}, TEMPLATE, None, "api_keys"),
    ],
)
def test_a_wrong_entry_names_its_field_and_stores_nothing(
    sessions: sessionmaker[Session],
    keys: dict[NotifyKeyType, str],
    template: str,
    token: str | None,
    field: str,
) -> None:
    with unit_of_work(sessions) as uow:
        network, _ = network_with_topics(uow.session, "own")
    entry = NotifyServiceEntry(NotifyKeyType.LIVE, template, keys, callback_token=token)
    with unit_of_work(sessions) as uow, pytest.raises(NotifyServiceRefused) as refused:
        notify_services.set_notify_service(
            uow.session, _box(), uow.session.merge(network), entry, actor="cli", now=utcnow()
        )
    assert refused.value.field == field
    assert all(key not in str(refused.value) for key in keys.values())
    with unit_of_work(sessions) as uow:
        assert uow.session.scalars(select(NetworkNotifyService)).all() == []


def test_a_key_left_out_keeps_the_stored_one_and_a_new_service_drops_the_old_keys(
    sessions: sessionmaker[Session],
) -> None:
    box, live = _box(), _key("live")
    with unit_of_work(sessions) as uow:
        network, _ = network_with_topics(uow.session, "own")
        both = {NotifyKeyType.LIVE: live, NotifyKeyType.TEAM: _key("team")}
        notify_services.set_notify_service(
            uow.session,
            box,
            network,
            NotifyServiceEntry(NotifyKeyType.LIVE, TEMPLATE, both),
            actor="cli",
            now=utcnow(),
        )
        kept = notify_services.set_notify_service(
            uow.session,
            box,
            network,
            NotifyServiceEntry(NotifyKeyType.TEAM, TEMPLATE, {}),
            actor="cli",
            now=utcnow(),
        )
        assert (
            kept.keys_set == (NotifyKeyType.LIVE, NotifyKeyType.TEAM)
            and kept.sending_key is NotifyKeyType.TEAM
        )
        moved = notify_services.set_notify_service(
            uow.session,
            box,
            network,
            NotifyServiceEntry(
                NotifyKeyType.LIVE, TEMPLATE, {NotifyKeyType.LIVE: _key("live", OTHER_SERVICE)}
            ),
            actor="cli",
            now=utcnow(),
        )
    assert moved.service_id == OTHER_SERVICE and moved.keys_set == (NotifyKeyType.LIVE,)


def test_the_callback_bearer_is_the_networks_own_or_else_the_deployments(
    sessions: sessionmaker[Session],
) -> None:
    box = _box()
    with unit_of_work(sessions) as uow:
        own, _ = network_with_topics(uow.session, "own")
        shared, _ = network_with_topics(uow.session, "shared")
        entry = NotifyServiceEntry(
            NotifyKeyType.LIVE,
            TEMPLATE,
            {NotifyKeyType.LIVE: _key("live")},
            callback_token="own-bearer-token",
        )
        notify_services.set_notify_service(uow.session, box, own, entry, actor="cli", now=utcnow())
        accepted = notify_services.callback_token_accepted
        assert accepted(uow.session, own.id, "own-bearer-token", "deployment-token")
        assert not accepted(uow.session, own.id, "deployment-token", "deployment-token")
        assert accepted(uow.session, shared.id, "deployment-token", "deployment-token")
        assert not accepted(uow.session, shared.id, "own-bearer-token", "deployment-token")


def test_rotation_re_encrypts_with_the_newest_key_and_the_old_key_can_then_go(
    sessions: sessionmaker[Session],
) -> None:
    old, new, live = Fernet.generate_key(), Fernet.generate_key(), _key("live")
    with unit_of_work(sessions) as uow:
        network, _ = network_with_topics(uow.session, "own")
        entry = NotifyServiceEntry(NotifyKeyType.LIVE, TEMPLATE, {NotifyKeyType.LIVE: live})
        notify_services.set_notify_service(
            uow.session, SecretBox([old]), network, entry, actor="cli", now=utcnow()
        )
    with unit_of_work(sessions) as uow:
        assert notify_services.rotate_encryption(uow.session, SecretBox([new, old])) == 1
    with unit_of_work(sessions) as uow:
        assert notify_services.credentials_for(uow.session, SecretBox([new]), network.id).api_key == live  # type: ignore[union-attr]
        with pytest.raises(SecretUnreadable):
            notify_services.credentials_for(uow.session, SecretBox([old]), network.id)


def test_check_connection_with_the_real_client_against_the_sandbox(notify_sandbox: RunningSandbox) -> None:  # noqa: F811
    settings = make_settings(notify_base_url=notify_sandbox.base_url, notify_timeout_seconds=5)
    good = build_gateway(settings, api_key=notify_sandbox.key("test"), template_id=notify_sandbox.template_id)
    assert good.check_connection() is None
    wrong_template = build_gateway(
        settings, api_key=notify_sandbox.key("test"), template_id=str(uuid.uuid4())
    )
    assert (wrong_template.check_connection() or "").startswith("Notify answered 404: NoResultFound")
    stranger = build_gateway(settings, api_key=_key("stranger"), template_id=notify_sandbox.template_id)
    assert (stranger.check_connection() or "").startswith("Notify answered 403: AuthError")


def test_the_cli_sets_shows_checks_and_clears_without_echoing_a_key(
    notify_sandbox: RunningSandbox,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", database)
    monkeypatch.setenv("NOTIFIER_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("NOTIFIER_NOTIFY_BASE_URL", notify_sandbox.base_url)
    monkeypatch.setenv("NOTIFIER_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    runner = CliRunner()
    assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    created = runner.invoke(
        cli_app,
        ["network", "create", "own", "--name", "Own", "--site-url", "https://own.example.gov.uk",
         "--privacy-notice-url", "https://own.example.gov.uk/privacy/", "--notice-version", "v1",
         "--steering-group-email", "steering@own.example.gov.uk"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    key = notify_sandbox.key("test")
    set_it = runner.invoke(
        cli_app,
        ["network", "notify", "set", "--network", "own", "--template-id", notify_sandbox.template_id,
         "--sending-key", "test", "--callback-token"],
        input=f"{key}\nthe-bearer-token-for-own\n",
    )  # fmt: skip
    assert set_it.exit_code == 0, set_it.output
    shown = runner.invoke(cli_app, ["network", "notify", "show", "--network", "own"])
    assert shown.exit_code == 0 and "test" in shown.output and "its own" in shown.output
    checked = runner.invoke(cli_app, ["network", "notify", "check", "--network", "own"])
    assert checked.exit_code == 0, checked.output
    assert "answered" in checked.output
    for result in (set_it, shown, checked):
        assert key not in result.output and key[-36:] not in result.output
    bad = runner.invoke(
        cli_app,
        ["network", "notify", "set", "--network", "own", "--template-id", "nope", "--sending-key", "test"],
        input=f"{key}\n",
    )
    assert bad.exit_code == 1 and "template_id" in bad.output
    cleared = runner.invoke(cli_app, ["network", "notify", "clear", "--network", "own"])
    assert cleared.exit_code == 0
    assert "deployment's" in runner.invoke(cli_app, ["network", "notify", "show", "--network", "own"]).output
