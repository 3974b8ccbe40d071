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
from notifier.rendering.contexts import (
    AdminSignInEmail,
    AdminWaitingEmail,
    AnnouncementEmail,
    ConfirmEmailChangeEmail,
    ConfirmSubscriptionEmail,
    ContentEmail,
    DataRequestVerifyEmail,
    EmailContext,
    Footer,
    FooterReason,
    NewLinksEmail,
)
from notifier.rendering.emails import EMAIL_KINDS, EmailKind, render_email
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.delivery.composing import ComposedEmail
from notifier.services.delivery.source_emails import (
    PER_SUBSCRIBER_CONTEXT,
    SOURCE_CONTEXT_BUILDERS,
    event_details,
)

ContextBuilder = Callable[[Mapping[str, Any], Network, Footer], EmailContext]


def _content(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    published = datetime.fromisoformat(data["date"]) if data.get("date") else None
    return ContentEmail(
        network_name=network.name,
        title=f"Updated: {data['title']}" if data.get("updated") else data["title"],
        url=data["url"],
        footer=footer,
        excerpt=data.get("excerpt") or None,
        author=data.get("author") or None,
        published=published,
        tags=tuple(data.get("tags") or ()),
        event=event_details(data.get("event")),
    )


def _announcement(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    return AnnouncementEmail(
        network_name=network.name, subject=data["subject"], body=data["body"], footer=footer
    )


def _confirm_subscription(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    # The signed link was made at sign-up (services/subscribers/signups.py), so it expires from then.
    return ConfirmSubscriptionEmail(
        network_name=network.name,
        confirm_url=data["confirm_url"],
        expiry_days=int(data["expiry_days"]),
        topic_names=tuple(data["topic_names"]),
        privacy_notice_url=network.privacy_notice_url,
        membership=bool(data.get("membership", False)),
    )


def _data_request_verify(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    # The signed verify link was made with the request (services/privacy/rights.py), so it expires from then.
    return DataRequestVerifyEmail(
        network_name=network.name,
        request_type_label=data["request_type_label"],
        verify_url=data["verify_url"],
        expiry_days=int(data["expiry_days"]),
        privacy_notice_url=network.privacy_notice_url,
    )


def _confirm_email_change(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    # The signed link was made when the request was verified (services/subscribers/email_change.py).
    return ConfirmEmailChangeEmail(
        network_name=network.name,
        confirm_url=data["confirm_url"],
        expiry_days=int(data["expiry_days"]),
        privacy_notice_url=network.privacy_notice_url,
    )


def _new_links(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    # Signed when the person asked (services/subscribers/new_links.py).
    return NewLinksEmail(
        network_name=network.name,
        manage_url=data["manage_url"],
        privacy_notice_url=network.privacy_notice_url,
    )


def _admin_sign_in(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    # The single-use link was made when the admin asked for it (services/admin/web_sessions.py).
    return AdminSignInEmail(
        network_name=network.name, sign_in_url=data["sign_in_url"], expiry_minutes=int(data["expiry_minutes"])
    )


def _admin_waiting(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    return AdminWaitingEmail(
        network_name=network.name, lines=tuple(data["lines"]), admin_url=data["admin_url"]
    )


CONTEXT_BUILDERS: dict[EmailKind, ContextBuilder] = {
    EmailKind.CONTENT: _content,
    EmailKind.ANNOUNCEMENT: _announcement,
    EmailKind.CONFIRM_SUBSCRIPTION: _confirm_subscription,
    EmailKind.DATA_REQUEST_VERIFY: _data_request_verify,
    EmailKind.CONFIRM_EMAIL_CHANGE: _confirm_email_change,
    EmailKind.NEW_LINKS: _new_links,
    EmailKind.ADMIN_SIGN_IN: _admin_sign_in,
    EmailKind.ADMIN_WAITING: _admin_waiting,
    **SOURCE_CONTEXT_BUILDERS,
}


MEETING_KINDS = frozenset(
    {
        EmailKind.MEETING,
        EmailKind.MEETING_UPDATE,
        EmailKind.MEETING_CANCELLED,
        EmailKind.MEETING_REMINDER,
        EmailKind.MEETING_WITHDRAWN,
    }
)


def footer_reason(kind: EmailKind, message: Message, topic: Topic | None) -> FooterReason:
    """Why this reader gets this email: the footer's "why you are getting this" line follows it."""
    if message.context.get("test_send"):
        return FooterReason.TEST  # no live unsubscribe link either
    if kind is EmailKind.DIGEST:
        return FooterReason.DIGEST
    if topic is None and (kind in MEETING_KINDS or kind is EmailKind.MINUTES):
        return FooterReason.INVITEE  # the invitation list's message has no topic
    if topic is not None and topic.members_only:
        return FooterReason.MEMBER
    return FooterReason.TOPIC


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
            reason=footer_reason(kind, message, topic),
        )
        data = message.context
        if kind in PER_SUBSCRIBER_CONTEXT:  # e.g. a digest lists what this reader's topics had
            data = {**data, **PER_SUBSCRIBER_CONTEXT[kind](session, message, subscriber)}
        if data.get("calendar_url") and data.get("meeting_id"):  # this reader's own invitation file
            calendar_url = self.links.attendee_calendar_url(
                data["calendar_url"], network.id, int(data["meeting_id"]), subscriber.id
            )
            data = {**data, "calendar_url": calendar_url}
        context = CONTEXT_BUILDERS[kind](data, network, footer)
        rendered = render_email(kind, context, allowed_origins=(network.site_url, self.public_base_url))
        transactional = EMAIL_KINDS[kind].transactional
        return ComposedEmail(
            subject=rendered.subject,
            body=rendered.body,
            one_click_unsubscribe_url=(
                None
                if transactional or footer.reason is FooterReason.TEST
                else self.links.one_click_unsubscribe_url(ref)
            ),
            email_reply_to_id=network.notify_reply_to_id,
        )
