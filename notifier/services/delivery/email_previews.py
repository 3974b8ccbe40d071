"""A bulk email as it will be sent, before it exists: the same stored context and the same builders the
composer uses, with sample links in the footer where each reader gets their own. The check pages, the
Notify preview and the email asking for approval all show this rendering."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from notifier.db.models import Network
from notifier.rendering.contexts import Footer, FooterReason
from notifier.rendering.emails import EmailKind, RenderedEmail, render_email
from notifier.services.delivery.source_emails import SOURCE_CONTEXT_BUILDERS

SAMPLE_PATH = "/preview"  # where a preview's footer links go: each reader gets their own links
FOOTER_RULE = "\n\n---\n\n"  # templates/email/_footer.md starts every bulk email's footer with it


@dataclass(frozen=True)
class EmailPreview:
    kind: EmailKind
    context: dict[str, Any] = field(hash=False)  # what the message will store
    topic_name: str | None = None  # None: a meeting's invitation list (its footer says so)

    def stored(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "context": self.context, "topic_name": self.topic_name}

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> EmailPreview:
        return cls(EmailKind(data["kind"]), dict(data["context"]), data.get("topic_name"))


def sample_footer(
    network: Network, topic_name: str | None, public_base_url: str, *, attending: str = ""
) -> Footer:
    """`attending`: a message to a meeting's Yes list, whose footer names the meeting (as the
    composer's does, delivery/emails.footer_reason)."""
    sample = f"{public_base_url.rstrip('/')}{SAMPLE_PATH}"
    reason = FooterReason.TOPIC if topic_name else FooterReason.INVITEE
    return Footer(
        network_name=network.name,
        topic_name=topic_name or network.name,
        manage_url=sample,
        unsubscribe_url=sample,
        privacy_notice_url=network.privacy_notice_url,
        reason=FooterReason.ATTENDEE if attending and not topic_name else reason,
        meeting_title=attending,
    )


def render_preview(network: Network, preview: EmailPreview, public_base_url: str) -> RenderedEmail:
    attending = str(preview.context.get("attending") or "")
    footer = sample_footer(network, preview.topic_name, public_base_url, attending=attending)
    context = SOURCE_CONTEXT_BUILDERS[preview.kind](preview.context, network, footer)
    return render_email(
        preview.kind, context, allowed_origins=(network.site_url, public_base_url.rstrip("/"))
    )


def without_footer(body: str) -> str:
    """A rendered bulk email's words, up to its footer (whose links are each reader's own)."""
    words, rule, _footer = body.rpartition(FOOTER_RULE)
    return (words if rule else body).rstrip("\n") + "\n"
