"""GET /_sandbox/outbox: the emails as a person would read them in a mail client. No external assets."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from notify_sandbox.config.settings import SandboxConfig, ServiceConfig
from notify_sandbox.rendering.message import headers, rendered_parts
from notify_sandbox.rendering.timestamps import iso
from notify_sandbox.state.store import StoredNotification

STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #0b0c0c; background: #f3f2f1; }
header { background: #0b0c0c; color: #fff; padding: 12px 24px; font-size: 22px; font-weight: bold; }
main { max-width: 980px; margin: 0 auto; padding: 16px 24px; }
form.filters { margin: 0 0 16px 0; } form.filters input { padding: 4px; margin-right: 8px; }
details { background: #fff; margin: 0 0 8px 0; border: 1px solid #b1b4b6; }
summary { padding: 10px 12px; cursor: pointer; display: flex; flex-wrap: wrap; gap: 4px 16px; }
summary .subject { font-weight: bold; flex: 1 1 16em; }
summary .meta { color: #505a5f; overflow-wrap: anywhere; }
.message { padding: 0 12px 12px 12px; }
table.headers { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
table.headers th { text-align: left; padding: 2px 12px 2px 0; color: #505a5f; vertical-align: top; }
iframe { width: 100%; height: 420px; border: 1px solid #b1b4b6; background: #fff; }
pre { white-space: pre-wrap; background: #f8f8f8; border: 1px solid #b1b4b6; padding: 8px; font-size: 14px; }
button { background: #00703c; color: #fff; border: 0; padding: 6px 12px; font-size: 15px; cursor: pointer; }
.status { font-size: 13px; padding: 1px 6px; background: #e8f1f8; }
"""


def _headers_table(notification: StoredNotification, config: ServiceConfig) -> str:
    rows = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>"
        for name, value in headers(notification, config).items()
    )
    return f'<table class="headers">{rows}</table>'


def _unsubscribe_button(notification: StoredNotification) -> str:
    if not notification.one_click_unsubscribe_url:
        return ""
    result = (
        f"<p>Unsubscribe request answered: <strong>{escape(notification.unsubscribe_result)}</strong></p>"
        if notification.unsubscribe_result
        else ""
    )
    return (
        f'<form method="post" action="/_sandbox/outbox/{escape(notification.id)}/unsubscribe">'
        f'<button type="submit">Unsubscribe</button></form>{result}'
    )


def _message(notification: StoredNotification, config: ServiceConfig, *, show_service: bool) -> str:
    html_part, text_part = rendered_parts(notification)
    service = f'<span class="meta">from {escape(config.service_name)}</span>' if show_service else ""
    return (
        f'<details id="n-{escape(notification.id)}"><summary>'
        f'<span class="subject">{escape(notification.subject)}</span>{service}'
        f'<span class="meta">to {escape(notification.email_address)}</span>'
        f'<span class="meta">{escape(iso(notification.created_at))}</span>'
        f'<span class="status">{escape(notification.status.value)} · '
        f"{escape(notification.key_type.docs_name)} key</span>"
        '</summary><div class="message">'
        f"{_headers_table(notification, config)}"
        f"<p>Notification <code>{escape(notification.id)}</code>, reference "
        f"<code>{escape(notification.reference or '(none)')}</code></p>"
        f"{_unsubscribe_button(notification)}"
        "<h3>HTML part</h3>"
        f'<iframe sandbox="" title="HTML part" srcdoc="{escape(html_part, quote=True)}"></iframe>'
        f"<h3>Plain-text part</h3><pre>{escape(text_part)}</pre>"
        "</div></details>"
    )


def _service_filter(config: SandboxConfig, chosen: ServiceConfig | None) -> str:
    if len(config.services) == 1:
        return ""
    options = "".join(
        f'<option value="{escape(s.name, quote=True)}"{" selected" if s is chosen else ""}>'
        f"{escape(s.service_name)} ({escape(s.name)})</option>"
        for s in config.services
    )
    return f'<label>Service <select name="service"><option value="">All</option>{options}</select></label>'


def outbox_page(
    rows: list[StoredNotification],
    config: SandboxConfig,
    next_cursor: int | None,
    query: dict[str, list[str]],
    chosen: ServiceConfig | None = None,
) -> str:
    """The page for `rows`; `chosen` is the service it is filtered to, if any."""
    to = escape(query.get("to", [""])[0], quote=True)
    reference = escape(query.get("reference", [""])[0], quote=True)
    senders = {s.service_id: s for s in config.services}
    several = len(senders) > 1
    messages = (
        "".join(_message(n, senders.get(n.service_id, config), show_service=several) for n in rows)
        or "<p>No emails yet.</p>"
    )
    if chosen is not None or not several:
        title = (chosen or config).service_name
    else:
        title = f"{len(senders)} services"
    older = ""
    if next_cursor is not None:
        params = {k: v[0] for k, v in query.items() if k in ("to", "reference", "service")} | {
            "cursor": str(next_cursor)
        }
        older = f'<p><a href="/_sandbox/outbox?{escape(urlencode(params), quote=True)}">Older emails</a></p>'
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Outbox – Notify sandbox</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<header>Notify sandbox outbox · {escape(title)}</header><main>"
        '<form class="filters" method="get" action="/_sandbox/outbox">'
        f'<label>To <input name="to" value="{to}"></label>'
        f'<label>Reference <input name="reference" value="{reference}"></label>'
        f"{_service_filter(config, chosen)}"
        '<button type="submit">Filter</button></form>'
        f"<p>Newest first. Showing {len(rows)}.</p>{messages}{older}</main></body></html>"
    )
