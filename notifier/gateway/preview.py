"""Notify's own rendering of an email, through the official client's template preview
(`POST /v2/template/{id}/preview`): the admin's announcement preview shows exactly the HTML Notify
will send, with the subject and body filled into the one generic template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import requests
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from notifier.gateway.base import GatewayUnavailable


class PreviewClient(Protocol):
    def post_template_preview(self, template_id: str, personalisation: dict[str, str]) -> Any: ...


@dataclass(frozen=True)
class NotifyPreview:
    subject: str
    html: str  # the email's HTML body as Notify renders it


@dataclass(frozen=True)
class NotifyPreviewer:
    api_key: str
    base_url: str
    timeout_seconds: float

    def preview(self, template_id: str, *, subject: str, body: str) -> NotifyPreview:
        """Raises GatewayUnavailable when Notify cannot render it now (any failure: the page says so)."""
        client: PreviewClient = NotificationsAPIClient(  # type: ignore[no-untyped-call]
            self.api_key, base_url=self.base_url, timeout=self.timeout_seconds
        )
        try:
            answer = client.post_template_preview(template_id, {"subject": subject, "body": body})
        except (APIError, requests.RequestException) as exc:
            raise GatewayUnavailable(f"Notify's preview failed: {type(exc).__name__}") from exc
        if not isinstance(answer, dict) or not isinstance(answer.get("html"), str):
            raise GatewayUnavailable("Notify's preview answered without html")
        return NotifyPreview(subject=str(answer.get("subject") or subject), html=answer["html"])
