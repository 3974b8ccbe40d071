"""JSON shapes of notifications and templates as the v2 API returns them (facts §2.2, §2.4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notify_sandbox.config.settings import TemplateSpec, TemplateVersionSpec
from notify_sandbox.rendering.templating import placeholder_names
from notify_sandbox.rendering.timestamps import iso, iso_or_none
from notify_sandbox.state.store import StoredNotification

_ADDRESS_LINES = {f"line_{n}": None for n in range(1, 7)}


def notification_json(notification: StoredNotification, url_root: str) -> dict[str, Any]:
    template = notification.template
    return {
        "id": notification.id,
        "reference": notification.reference,
        "email_address": notification.email_address,
        "phone_number": None,
        **_ADDRESS_LINES,
        "postcode": None,
        "type": "email",
        "status": notification.status.value,
        "template": {
            "id": template.id,
            "version": template.version,
            "uri": f"{url_root}v2/template/{template.id}/version/{template.version}",
        },
        "body": notification.body,
        "subject": notification.subject,
        "created_at": iso(notification.created_at),
        "created_by_name": None,
        "sent_at": iso_or_none(notification.sent_at),
        "completed_at": iso_or_none(notification.completed_at),
        "scheduled_for": None,
        "postage": None,
        "one_click_unsubscribe_url": notification.one_click_unsubscribe_url,
        "cost_details": {},
        "cost_in_pounds": 0.0,
        "is_cost_data_ready": True,
    }


def template_json(
    template: TemplateSpec, version: TemplateVersionSpec, number: int, created_at: datetime
) -> dict[str, Any]:
    subject = version.subject if template.type != "sms" else None
    return {
        "id": template.id,
        "type": template.type,
        "created_at": iso(created_at),
        "updated_at": None if number == 1 else iso(created_at),
        "created_by": template.created_by,
        "version": number,
        "body": version.body,
        "subject": subject,
        "name": template.name,
        "personalisation": {name: {"required": True} for name in placeholder_names(subject, version.body)},
        "postage": None,
        "letter_contact_block": None,
    }
