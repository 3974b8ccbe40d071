"""Settings refuse placeholder secrets anywhere but dev, and read NOTIFIER_ variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notifier.config import Environment, NotifyKeyType, Settings

STRONG = "a-real-secret-that-is-long-enough-0123456789"


@pytest.mark.parametrize("environment", [Environment.TEST, Environment.PRODUCTION])
def test_placeholder_secrets_are_refused_outside_dev(environment: Environment) -> None:
    with pytest.raises(ValidationError, match="NOTIFIER_SECRET_KEY"):
        Settings(_env_file=None, environment=environment, notify_callback_token=STRONG)
    with pytest.raises(ValidationError, match="NOTIFIER_NOTIFY_CALLBACK_TOKEN"):
        Settings(
            _env_file=None, environment=environment, secret_key=STRONG, notify_callback_token="change-me"
        )
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(
            _env_file=None,
            environment=environment,
            secret_key="short-but-not-a-placeholder",
            notify_callback_token=STRONG,
        )
    assert Settings(
        _env_file=None,
        environment=Environment.TEST,
        secret_key=STRONG,
        notify_callback_token=STRONG + "-token",
    )


def test_dev_runs_on_the_defaults() -> None:
    assert Settings(_env_file=None, environment=Environment.DEV).secret_key.get_secret_value() == "dev-secret"


def test_the_key_type_picks_the_notify_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFIER_NOTIFY_API_KEY_TEAM", "team-key")
    monkeypatch.setenv("NOTIFIER_NOTIFY_KEY_TYPE", "team")
    settings = Settings(_env_file=None)
    assert settings.notify_key_type is NotifyKeyType.TEAM and settings.notify_api_key == "team-key"
