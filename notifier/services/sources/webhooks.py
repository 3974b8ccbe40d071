"""Signed webhooks: HMAC-SHA256 over "<timestamp>.<body>", with a replay window."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_PREFIX = "sha256="
REPLAY_WINDOW_SECONDS = 300
TIMESTAMP_HEADER = "X-Notifier-Timestamp"
SIGNATURE_HEADER = "X-Notifier-Signature"


class WebhookRejected(Exception):
    """The request is not provably from the network's site, or is too old to trust."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def signed_headers(secret: str, body: bytes, *, now: float) -> dict[str, str]:
    """What a site's build sends with a JSON body: the timestamp and the signature over both."""
    stamp = int(now)
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(secret, stamp, body),
    }


def verify(secret: str, *, timestamp: str | None, signature: str | None, body: bytes, now: float) -> None:
    if not timestamp or not signature:
        raise WebhookRejected(f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required")
    try:
        sent_at = int(timestamp)
    except ValueError as exc:
        raise WebhookRejected(f"{TIMESTAMP_HEADER} must be whole seconds since the epoch") from exc
    if abs(now - sent_at) > REPLAY_WINDOW_SECONDS:
        raise WebhookRejected(f"{TIMESTAMP_HEADER} is more than 5 minutes from the server's clock")
    if not hmac.compare_digest(sign(secret, sent_at, body).encode(), signature.strip().encode()):
        raise WebhookRejected(f"{SIGNATURE_HEADER} does not match the body")
