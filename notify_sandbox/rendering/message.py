"""What a recipient's mail client would receive for a stored notification: headers, HTML, plain text.

Rendered when read, not when sent, so that sending stays cheap (facts §8, §7 and §11.8).
"""

from __future__ import annotations

import html
from typing import Any

from notify_sandbox.config.settings import ServiceConfig
from notify_sandbox.rendering.markdown import render_html, render_plain_text
from notify_sandbox.rendering.templating import Values, fill, nice_typography, unlink_govuk
from notify_sandbox.rendering.timestamps import iso, iso_or_none
from notify_sandbox.state.store import StoredNotification


def _prepared(content: str, values: Values, *, escape: bool) -> str:
    filled = fill(content, values, escape=escape)
    return unlink_govuk(filled).replace("\u2028", "") + "\n"


def html_body(content: str, values: Values) -> str:
    """The email's HTML body (what POST .../preview returns as `html`)."""
    return nice_typography(render_html(_prepared(content, values, escape=True)))


def plain_text_body(content: str, values: Values) -> str:
    text = nice_typography(render_plain_text(_prepared(content, values, escape=False)))
    return html.unescape(text).lstrip() + "\n"


def html_document(subject: str, body: str) -> str:
    """A plain email layout around the body, with no external assets."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>"
        '<body style="font-family: Helvetica, Arial, sans-serif; font-size: 16px; '
        'margin: 0; color: #0B0C0C;">'
        '<table role="presentation" width="100%" style="border-collapse: collapse;"><tr>'
        '<td style="background: #0B0C0C; padding: 10px 20px; color: #FFFFFF; '
        'font-weight: bold; font-size: 28px;">'
        "GOV.UK</td></tr></table>"
        f'<div style="max-width: 580px; margin: 0 auto; padding: 20px 10px;">{body}</div>'
        "</body></html>"
    )


def rendered_parts(notification: StoredNotification) -> tuple[str, str]:
    """(HTML part, plain-text part). Made on each read rather than kept: 100,000 of them would be large."""
    values = Values(notification.personalisation)
    content = notification.template.body
    return html_document(notification.subject, html_body(content, values)), plain_text_body(content, values)


def headers(notification: StoredNotification, config: ServiceConfig) -> dict[str, str]:
    """The headers as the recipient sees them; `config` is the service that sent it (its From name)."""
    found = {
        "From": f'"{config.service_name}" <{config.from_address}>',
        "To": notification.email_address,
        "Subject": notification.subject,
    }
    if notification.reply_to:
        found["Reply-To"] = notification.reply_to
    if notification.one_click_unsubscribe_url:
        found["List-Unsubscribe"] = f"<{notification.one_click_unsubscribe_url}>"
        found["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return found


def outbox_entry(
    notification: StoredNotification, config: ServiceConfig, *, render: bool = True
) -> dict[str, Any]:
    """One outbox.json entry; `config` is the service that sent it."""
    entry: dict[str, Any] = {
        "seq": notification.seq,
        "id": notification.id,
        "service": {"id": config.service_id, "name": config.name, "service_name": config.service_name},
        "key_type": notification.key_type.value,
        "to": notification.email_address,
        "subject": notification.subject,
        "body": notification.body,
        "headers": headers(notification, config),
        "reference": notification.reference,
        "status": notification.status.value,
        "created_at": iso(notification.created_at),
        "sent_at": iso_or_none(notification.sent_at),
        "completed_at": iso_or_none(notification.completed_at),
        "template": {"id": notification.template.id, "version": notification.template.version},
        "one_click_unsubscribe_url": notification.one_click_unsubscribe_url,
        "callbacks": [
            {"at": iso(a.at), "status_code": a.status_code, "error": a.error} for a in notification.callbacks
        ],
        "unsubscribe_result": notification.unsubscribe_result,
    }
    if render:
        entry["html"], entry["text"] = rendered_parts(notification)
    return entry
