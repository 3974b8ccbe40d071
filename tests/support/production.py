"""Settings a production deployment may start with, for tests of what production refuses."""

from __future__ import annotations

import os
from typing import Any

from cryptography.fernet import Fernet

from notifier.config import Environment

SIGNING = "signing-key-0123456789-0123456789-0123456789"
HASH = "hash-key-0123456789-0123456789-0123456789-01"
CALLBACK = "callback-token-0123456789-0123456789-012345"
ENCRYPTION = Fernet.generate_key().decode()
PUBLIC_URL = "https://emails.network.example.gov.uk"


def safe_settings(database_url: str) -> dict[str, Any]:
    """Keyword arguments of Settings that production accepts (no Notify service of its own)."""
    return {
        "environment": Environment.PRODUCTION,
        "public_base_url": PUBLIC_URL,
        "one_click_base_url": PUBLIC_URL,
        "database_url": database_url,
        "signing_keys": SIGNING,
        "suppression_hash_key": HASH,
        "encryption_keys": ENCRYPTION,
        "notify_callback_token": CALLBACK,
    }


def production_env(database_url: str, **changes: str) -> dict[str, str]:
    """This process's environment without its NOTIFIER_ settings, plus the safe ones and `changes`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFIER_")}
    env.update({f"NOTIFIER_{k.upper()}": str(v) for k, v in safe_settings(database_url).items()})
    env.update({f"NOTIFIER_{k.upper()}": v for k, v in changes.items()})
    return env
