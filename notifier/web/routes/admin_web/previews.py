"""An email as GOV.UK Notify itself renders it, for the pages that show what will be sent (writing an
announcement, checking anything that waits for approval): Notify's template preview of the generic
template filled with the rendered subject and body (`gateway/preview.py`)."""

from __future__ import annotations

from notifier.config import Settings
from notifier.gateway.base import GatewayUnavailable
from notifier.gateway.preview import NotifyPreviewer
from notifier.rendering.emails import RenderedEmail

PREVIEW_TIMEOUT_SECONDS = 5.0


def notify_html(settings: Settings, network_template_id: str | None, email: RenderedEmail) -> str | None:
    """The email's HTML as Notify renders it (with the network's own template when it has one), or None
    when Notify is not configured or not answering (the page then shows the markdown alone and says so)."""
    template_id = network_template_id or settings.notify_template_id
    if not settings.notify_api_key or not template_id:
        return None
    previewer = NotifyPreviewer(
        settings.notify_api_key,
        settings.notify_base_url,
        min(settings.notify_timeout_seconds, PREVIEW_TIMEOUT_SECONDS),
    )
    try:
        return previewer.preview(template_id, subject=email.subject, body=email.body).html
    except GatewayUnavailable:
        return None
