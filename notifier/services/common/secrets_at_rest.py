"""Secrets the service must read back (a network's Notify API keys) are kept encrypted.

Fernet (AES-128-CBC with HMAC-SHA256) through MultiFernet: the first key encrypts, every key decrypts,
so keys rotate by putting a new one first, re-encrypting (`rotate`), then dropping the old one.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from notifier.config import Settings


class SecretUnreadable(Exception):
    """The stored value was not encrypted with any of the configured keys (or was altered)."""


class BadEncryptionKeys(ValueError):
    """NOTIFIER_ENCRYPTION_KEYS is not a comma-separated list of Fernet keys."""


def new_encryption_key() -> str:
    return Fernet.generate_key().decode()


def derived_key(secret_key: str) -> bytes:
    """The key used while NOTIFIER_ENCRYPTION_KEYS is unset (dev, and deployments made before it).
    A distinct key from the signing secret: hashing with a purpose label keeps the two uses apart."""
    digest = hashlib.sha256(b"notifier encryption at rest\x00" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


class SecretBox:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise BadEncryptionKeys("at least one encryption key is needed")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError as error:
            raise BadEncryptionKeys(
                "NOTIFIER_ENCRYPTION_KEYS must be comma-separated Fernet keys (32 url-safe base64 bytes)"
            ) from error

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        configured = [k.strip() for k in settings.encryption_keys.get_secret_value().split(",") if k.strip()]
        if configured:
            return cls([key.encode() for key in configured])
        return cls([derived_key(settings.secret_key.get_secret_value())])

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as error:
            raise SecretUnreadable("a stored secret cannot be decrypted with the configured keys") from error

    def rotate(self, sealed: str) -> str:
        """The same secret, encrypted with the newest key."""
        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except InvalidToken as error:
            raise SecretUnreadable("a stored secret cannot be decrypted with the configured keys") from error
