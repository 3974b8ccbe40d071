"""Composing each email from its message and subscriber with the rendering registry.

A message stores what its kind's template needs (`message.context`); the footer, links and
one-click URL are made per subscriber here, at send time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import Message, Network, Subscriber, Topic
from notifier.rendering.contexts import AnnouncementEmail, ContentEmail, EmailContext, Footer
from notifier.rendering.emails import EMAIL_KINDS, EmailKind, render_email
from notifier.services.composing import ComposedEmail
from notifier.services.links import LinkBuilder, SubscriberRef

ContextBuilder = Callable[[Mapping[str, Any], Network, Footer], EmailContext]


def _content(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    published = datetime.fromisoformat(data["date"]) if data.get("date") else None
    return ContentEmail(
        network_name=network.name,
        title=data["title"],
        url=data["url"],
        footer=footer,
        excerpt=data.get("excerpt") or None,
        author=data.get("author") or None,
        published=published,
        tags=tuple(data.get("tags") or ()),
    )


def _announcement(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    return AnnouncementEmail(
        network_name=network.name, subject=data["subject"], body=data["body"], footer=footer
    )


CONTEXT_BUILDERS: dict[EmailKind, ContextBuilder] = {
    EmailKind.CONTENT: _content,
    EmailKind.ANNOUNCEMENT: _announcement,
}


@dataclass(frozen=True)
class TemplateComposer:
    links: LinkBuilder
    public_base_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> TemplateComposer:
        return cls(LinkBuilder.from_settings(settings), settings.public_base_url.rstrip("/"))

    def compose(self, session: Session, message: Message, subscriber: Subscriber) -> ComposedEmail:
        network = session.get_one(Network, message.network_id)
        kind = EmailKind(message.email_kind)
        topic = session.get_one(Topic, message.topic_id) if message.topic_id is not None else None
        ref = SubscriberRef(network.id, subscriber.id, topic.id if topic else None)
        footer = Footer(
            network_name=network.name,
            topic_name=topic.name if topic else network.name,
            manage_url=self.links.manage_url(ref),
            unsubscribe_url=self.links.unsubscribe_url(ref),
            privacy_notice_url=network.privacy_notice_url,
        )
        context = CONTEXT_BUILDERS[kind](message.context, network, footer)
        rendered = render_email(kind, context, allowed_origins=(network.site_url, self.public_base_url))
        transactional = EMAIL_KINDS[kind].transactional
        return ComposedEmail(
            subject=rendered.subject,
            body=rendered.body,
            one_click_unsubscribe_url=None if transactional else self.links.one_click_unsubscribe_url(ref),
            email_reply_to_id=network.notify_reply_to_id,
        )
