"""What Settings refuse outside dev, each problem as one line that names the setting.

Placeholder secrets are refused in every environment but dev. Production refuses more: links that a
reader cannot open (not https, or this machine's own address), SQLite, and keys that are missing,
placeholders, too short, not Fernet keys or shared between two uses. A process that meets one stops
with that line (`notifier.cli.main`), never with a traceback.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Protocol
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from pydantic import SecretStr

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "dev-secret", "secret", "password"})
PLACEHOLDER_PREFIXES = ("change-me", "changeme", "replace-me", "replace-with")
MIN_SECRET_LENGTH = 32
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class Settings(Protocol):
    """What the checks read of notifier.config.Settings (which calls them, so they cannot import it)."""

    secret_key: SecretStr
    signing_keys: SecretStr
    suppression_hash_key: SecretStr
    encryption_keys: SecretStr
    notify_callback_token: SecretStr
    public_base_url: str
    one_click_base_url: str

    @property
    def is_sqlite(self) -> bool: ...

    @property
    def signing_secrets(self) -> tuple[str, ...]: ...

    @property
    def hash_key(self) -> str: ...


def is_placeholder(value: str) -> bool:
    folded = value.strip().lower()
    return folded in PLACEHOLDER_SECRETS or folded.startswith(PLACEHOLDER_PREFIXES)


def problems(settings: Settings, *, production: bool) -> list[str]:
    """Every problem found, each "NOTIFIER_NAME: what is wrong"."""
    found = list(_secret_problems(settings))
    if production:
        found += _url_problems(settings)
        found += _database_problems(settings)
        found += _key_problems(settings)
    return found


def _secret_problems(settings: Settings) -> Iterator[str]:
    signing = [key for key in settings.signing_keys.get_secret_value().split(",") if key.strip()]
    if signing:
        for position, key in enumerate(signing, start=1):
            yield from _weak("NOTIFIER_SIGNING_KEYS", key, f"key {position} ")
    else:
        yield from _weak("NOTIFIER_SECRET_KEY", settings.secret_key.get_secret_value())
    if settings.suppression_hash_key.get_secret_value():
        yield from _weak("NOTIFIER_SUPPRESSION_HASH_KEY", settings.suppression_hash_key.get_secret_value())
    elif signing and is_placeholder(settings.secret_key.get_secret_value()):
        yield (
            "NOTIFIER_SUPPRESSION_HASH_KEY: is not set and NOTIFIER_SECRET_KEY, which it defaults to, is "
            "not either; set it to the value NOTIFIER_SECRET_KEY had (or a new random value on a new "
            "deployment), and never change it"
        )
    if is_placeholder(settings.notify_callback_token.get_secret_value()):
        yield "NOTIFIER_NOTIFY_CALLBACK_TOKEN: is a placeholder; set a random value of 32+ characters"


def _weak(name: str, value: str, which: str = "") -> Iterator[str]:
    if is_placeholder(value):
        yield f"{name}: {which}is a placeholder; set a random value of {MIN_SECRET_LENGTH}+ characters"
    elif len(value.strip()) < MIN_SECRET_LENGTH:
        yield f"{name}: {which}must be at least {MIN_SECRET_LENGTH} characters"


def _url_problems(settings: Settings) -> Iterator[str]:
    for name, url in (
        ("NOTIFIER_PUBLIC_BASE_URL", settings.public_base_url),
        ("NOTIFIER_ONE_CLICK_BASE_URL", settings.one_click_base_url),
    ):
        parts = urlsplit(url)
        if parts.scheme != "https":
            yield f"{name}: is {url!r}; links in emails must be https on the service's public name"
        elif not parts.hostname or _is_loopback(parts.hostname):
            yield f"{name}: is {url!r}, this machine's own address; readers cannot open it"


def _is_loopback(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _database_problems(settings: Settings) -> Iterator[str]:
    if settings.is_sqlite:
        yield (
            "NOTIFIER_DATABASE_URL: is SQLite, the embedded default for one machine; production needs "
            "PostgreSQL (postgresql+psycopg://...)"
        )


def _key_problems(settings: Settings) -> Iterator[str]:
    encryption = [k.strip() for k in settings.encryption_keys.get_secret_value().split(",") if k.strip()]
    if not encryption:
        yield (
            "NOTIFIER_ENCRYPTION_KEYS: is not set; production keeps networks' Notify keys under keys of "
            "their own (`notifier keys new-encryption-key`; docs/operations.md, 'Keys')"
        )
    for position, key in enumerate(encryption, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            yield f"NOTIFIER_ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe base64 bytes)"
    signing = set(settings.signing_secrets)
    if len(signing) < len(settings.signing_secrets):
        yield "NOTIFIER_SIGNING_KEYS: lists the same key twice"
    if signing & set(encryption) or settings.hash_key in encryption:
        yield "NOTIFIER_ENCRYPTION_KEYS: shares a value with a signing or hash key; each use needs its own"
    callback = settings.notify_callback_token.get_secret_value()
    if callback in signing | {settings.hash_key, *encryption}:
        yield "NOTIFIER_NOTIFY_CALLBACK_TOKEN: is the same value as a key; Notify must not hold our keys"
