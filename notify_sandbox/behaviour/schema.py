"""Request validation with Notify's JSON-schema messages (facts §3.3): every failure is reported at once.

Messages are built the way Notify builds them from jsonschema errors: `<field> <reason>`, with every
single quote removed and duplicates dropped.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from notify_sandbox.state.addresses import InvalidEmailAddress, validate_email_address

MAX_REFERENCE_LENGTH = 1000
ISO8601_HELP = "https://en.wikipedia.org/wiki/ISO_8601"
# An absolute RFC 3986 URI (ASCII only, %-escapes well formed) whose text starts with https.
_HTTPS_URI = re.compile(r"^https[A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$")

NOTIFICATION_STATUSES = (
    "cancelled",
    "created",
    "sending",
    "sent",
    "delivered",
    "pending",
    "failed",
    "technical-failure",
    "temporary-failure",
    "permanent-failure",
    "pending-virus-check",
    "validation-failed",
    "virus-scan-failed",
    "returned-letter",
    "accepted",
    "received",
)
TEMPLATE_TYPES = ("sms", "email", "letter")


def _unquoted(text: str) -> str:
    return text.replace("'", "")


def _type_error(field: str, value: Any, json_type: str) -> str:
    return _unquoted(f"{field} {value!r} is not of type {json_type}")


def _uuid_error(field: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return _type_error(field, value, "string")
    try:
        uuid.UUID(value)
    except ValueError:
        return f"{field} is not a valid UUID"
    return None


def _reference_error(value: Any) -> str | None:
    if not isinstance(value, str):
        return _type_error("reference", value, "string")
    if len(value) > MAX_REFERENCE_LENGTH:
        return _unquoted(f"reference {value!r} is too long")
    return None


def _email_error(value: Any) -> str | None:
    if not isinstance(value, str):
        return _type_error("email_address", value, "string")
    try:
        validate_email_address(value)
    except InvalidEmailAddress as e:
        return f"email_address {e}"
    return None


def _object_error(field: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if isinstance(value, dict) else _type_error(field, value, "object")

    return check


def _https_url_error(value: Any) -> str | None:
    if not isinstance(value, str):
        return _type_error("one_click_unsubscribe_url", value, "string")
    if not _HTTPS_URI.match(value):
        return "one_click_unsubscribe_url is not a valid https url"
    return None


def _scheduled_for_error(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return _type_error("scheduled_for", value, "string, null")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return (
            "scheduled_for datetime format is invalid. It must be a valid ISO8601 date time format, "
            + ISO8601_HELP
        )
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    now = datetime.now(UTC)
    if when < now:
        return "scheduled_for datetime can not be in the past"
    if when > now + timedelta(hours=24):
        return "scheduled_for datetime can only be 24 hours in the future"
    return None


def _sanitise_for_error(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list):
        return _type_error("sanitise_content_for", value, "array, null")
    for item in value:
        if not isinstance(item, str):
            return _type_error("sanitise_content_for", item, "string")
    return None


# In the order of Notify's schema; each check returns a message or None.
EMAIL_FIELDS: dict[str, Callable[[Any], str | None]] = {
    "reference": _reference_error,
    "email_address": _email_error,
    "template_id": lambda v: _uuid_error("template_id", v),
    "personalisation": _object_error("personalisation"),
    "scheduled_for": _scheduled_for_error,
    "email_reply_to_id": lambda v: _uuid_error("email_reply_to_id", v),
    "one_click_unsubscribe_url": _https_url_error,
    "sanitise_content_for": _sanitise_for_error,
}
EMAIL_REQUIRED = ("email_address", "template_id")

PREVIEW_FIELDS: dict[str, Callable[[Any], str | None]] = {
    "id": lambda v: _uuid_error("id", v),
    "personalisation": _object_error("personalisation"),
}


def _dedupe(messages: list[str]) -> list[str]:
    return list(dict.fromkeys(messages))


def _additional_properties(data: dict[str, Any], allowed: dict[str, Any]) -> str | None:
    extras = sorted(key for key in data if key not in allowed)
    if not extras:
        return None
    verb = "was" if len(extras) == 1 else "were"
    return _unquoted(
        f"Additional properties are not allowed ({', '.join(repr(e) for e in extras)} {verb} unexpected)"
    )


def validate_object(
    data: Any, fields: dict[str, Callable[[Any], str | None]], required: tuple[str, ...] = ()
) -> list[str]:
    """All schema failures for a request body, in Notify's wording (empty when it is valid)."""
    if not isinstance(data, dict):
        return [_unquoted(f"{data!r} is not of type object")]
    messages = [m for name, check in fields.items() if name in data and (m := check(data[name]))]
    messages += [f"{name} is a required property" for name in required if name not in data]
    if extra := _additional_properties(data, fields):
        messages.append(extra)
    return _dedupe(messages)


def validate_email_request(data: Any) -> list[str]:
    return validate_object(data, EMAIL_FIELDS, EMAIL_REQUIRED)


def _one_of(field: str, value: str, allowed: tuple[str, ...]) -> str | None:
    return None if value in allowed else f"{field} {value} is not one of [{', '.join(allowed)}]"


def validate_list_query(query: dict[str, list[str]]) -> list[str]:
    """GET /v2/notifications query: status and template_type repeat; the other fields are single."""
    allowed = {"status": 1, "template_type": 1, "reference": 1, "older_than": 1, "include_jobs": 1}
    messages = [m for s in query.get("status", []) if (m := _one_of("status", s, NOTIFICATION_STATUSES))]
    messages += [
        m for t in query.get("template_type", []) if (m := _one_of("template_type", t, TEMPLATE_TYPES))
    ]
    if "older_than" in query and _uuid_error("older_than", query["older_than"][0]):
        messages.append("older_than is not a valid UUID")
    if "include_jobs" in query:
        messages += [m for m in [_one_of("include_jobs", query["include_jobs"][0], ("true", "True"))] if m]
    if extra := _additional_properties(dict(query), allowed):
        messages.append(extra)
    return _dedupe(messages)


def validate_templates_query(query: dict[str, list[str]]) -> list[str]:
    messages = [m for t in query.get("type", [])[:1] if (m := _one_of("type", t, TEMPLATE_TYPES))]
    if extra := _additional_properties(dict(query), {"type": 1}):
        messages.append(extra)
    return messages
