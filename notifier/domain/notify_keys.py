"""Notify API keys: `{key name}-{service id}-{secret}`, both ids UUIDs (notify-facts.md, authentication).

The official client slices the service id and the secret off the end of the key, so a key whose last
73 characters are not two UUIDs joined by a dash would be misread: refuse it before it is used.
"""

from __future__ import annotations

import uuid


class BadApiKey(ValueError):
    """The text is not a Notify API key; the message never repeats the key, which is a secret."""


def service_id_of(api_key: str) -> str:
    """The Notify service id inside an API key (the JWT issuer the client signs with)."""
    key = api_key.strip()
    service_id, separator, secret = key[-73:-37], key[-37:-36], key[-36:]
    try:
        parsed = uuid.UUID(service_id)
        uuid.UUID(secret)
    except ValueError:
        parsed = None
    if parsed is None or separator != "-" or len(service_id) != 36 or len(key) < 74:
        raise BadApiKey("a Notify API key ends with '<service id uuid>-<secret uuid>'")
    return str(parsed)
