"""Production refuses unsafe settings, each problem naming its setting, and `notifier web` stops with
one line on stderr (no traceback) before it serves anything."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from pydantic import ValidationError

from notifier.config import Environment, describe_invalid
from tests.support.production import ENCRYPTION, HASH, SIGNING, production_env, safe_settings
from tests.support.settings import make_settings

OLD_SIGNING = "old-signing-key-0123456789-0123456789-012345"
DATABASE = "postgresql+psycopg://notifier:pw@db.internal:5432/notifier"
SAFE: dict[str, Any] = {**safe_settings(DATABASE), "signing_keys": f"{SIGNING},{OLD_SIGNING}"}


def test_safe_production_settings_are_accepted() -> None:
    settings = make_settings(**SAFE)
    assert settings.signing_secrets == (SIGNING, OLD_SIGNING)
    assert settings.hash_key == HASH
    assert not settings.serves_api_docs


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"public_base_url": "http://emails.network.example.gov.uk"}, "NOTIFIER_PUBLIC_BASE_URL: is 'http:"),
        ({"public_base_url": "https://127.0.0.1:8000"}, "NOTIFIER_PUBLIC_BASE_URL"),
        ({"public_base_url": "https://localhost"}, "NOTIFIER_PUBLIC_BASE_URL"),
        ({"one_click_base_url": "https://[::1]:8443"}, "NOTIFIER_ONE_CLICK_BASE_URL"),
        ({"one_click_base_url": "https://notifier.localhost"}, "NOTIFIER_ONE_CLICK_BASE_URL"),
        ({"database_url": "sqlite:///var/notifier.db"}, "NOTIFIER_DATABASE_URL: is SQLite"),
        ({"signing_keys": "", "secret_key": "dev-secret"}, "NOTIFIER_SECRET_KEY: is a placeholder"),
        ({"signing_keys": f"{SIGNING},change-me"}, "NOTIFIER_SIGNING_KEYS: key 2 is a placeholder"),
        ({"signing_keys": "short"}, "NOTIFIER_SIGNING_KEYS: key 1 must be at least 32"),
        ({"signing_keys": f"{SIGNING},{SIGNING}"}, "NOTIFIER_SIGNING_KEYS: lists the same key twice"),
        ({"suppression_hash_key": ""}, "NOTIFIER_SUPPRESSION_HASH_KEY: is not set"),
        ({"encryption_keys": ""}, "NOTIFIER_ENCRYPTION_KEYS: is not set"),
        ({"encryption_keys": SIGNING}, "NOTIFIER_ENCRYPTION_KEYS: key 1 is not a Fernet key"),
        ({"suppression_hash_key": ENCRYPTION}, "NOTIFIER_ENCRYPTION_KEYS: shares a value"),
        ({"notify_callback_token": "replace-me"}, "NOTIFIER_NOTIFY_CALLBACK_TOKEN: is a placeholder"),
        ({"notify_callback_token": SIGNING}, "NOTIFIER_NOTIFY_CALLBACK_TOKEN: is the same value as a key"),
    ],
)
def test_each_unsafe_setting_is_refused_by_name(change: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        make_settings(**{**SAFE, **change})
    line = describe_invalid(refused.value)
    assert named in line and "\n" not in line


def test_docs_can_be_asked_for_in_production() -> None:
    assert make_settings(**SAFE, api_docs=True).serves_api_docs
    assert make_settings(environment=Environment.DEV).serves_api_docs


def test_a_deployment_keeps_its_one_secret_key() -> None:
    """Deployments made before keys could rotate set only NOTIFIER_SECRET_KEY: it signs and keys hashes."""
    legacy = make_settings(**{**SAFE, "signing_keys": "", "suppression_hash_key": "", "secret_key": SIGNING})
    assert legacy.signing_secrets == (SIGNING,) and legacy.hash_key == SIGNING


def test_notifier_web_with_a_loopback_url_exits_with_one_line_naming_the_setting() -> None:
    env = production_env(DATABASE, public_base_url="https://127.0.0.1:8000")
    result = subprocess.run(
        [sys.executable, "-m", "notifier", "web"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "notifier: refusing to start: NOTIFIER_PUBLIC_BASE_URL: is 'https://127.0.0.1:8000'"
    )
    assert "Traceback" not in result.stderr
