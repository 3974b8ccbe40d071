"""Composing each email from its message and subscriber with the rendering registry.

A message stores what its kind's template needs (`message.context`); the footer, links and
one-click URL are made per subscriber here, at send time. A message is rendered once for all its
readers (remembered by `render_shared_email`) with stand-in tokens in its links, and each reader's
email is that rendering with their own signed tokens put in; a digest, whose context is per reader,
and transactional emails, sent one per message, are rendered whole.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import Message, Network, Subscriber, Topic
from notifier.rendering.contexts import (
    ArchiveSignInEmail,
    ConfirmEmailChangeEmail,
    ConfirmSubscriptionEmail,
    DataRequestVerifyEmail,
    EmailContext,
    Footer,
    FooterReason,
    MembershipDecidedEmail,
    NewLinksEmail,
)
from notifier.rendering.emails import (
    EMAIL_KINDS,
    EmailKind,
    check_body_size,
    render_email,
    render_shared_email,
)
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.delivery.admin_emails import ADMIN_CONTEXT_BUILDERS
from notifier.services.delivery.composing import ComposedEmail
from notifier.services.delivery.source_emails import PER_SUBSCRIBER_CONTEXT, SOURCE_CONTEXT_BUILDERS

ContextBuilder = Callable[[Mapping[str, Any], Network, Footer], EmailContext]


def _confirm_subscription(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    # The signed link was made at sign-up (services/subscribers/signups.py), so it expires from then.
    return ConfirmSubscriptionEmail(
        network_name=network.name,
        confirm_url=data["confirm_url"],
        expiry_days=int(data["expiry_days"]),
        topic_names=tuple(data["topic_names"]),
        privacy_notice_url=network.privacy_notice_url,
        membership=bool(data.get("membership", False)),
        invited=bool(data.get("invited", False)),
        reminder=bool(data.get("reminder", False)),
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


def _archive_sign_in(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    # The single-use link was made when the reader asked for it (services/archive/readers.py).
    return ArchiveSignInEmail(
        network_name=network.name, sign_in_url=data["sign_in_url"], expiry_minutes=int(data["expiry_minutes"])
    )


def _membership_decided(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    # Made when the steering group decided (services/subscribers/membership_decisions.py).
    return MembershipDecidedEmail(
        network_name=network.name,
        approved=bool(data["approved"]),
        topic_names=tuple(data["topic_names"]),
        contact_url=data["contact_url"],
        privacy_notice_url=network.privacy_notice_url,
    )


CONTEXT_BUILDERS: dict[EmailKind, ContextBuilder] = {
    EmailKind.CONFIRM_SUBSCRIPTION: _confirm_subscription,
    EmailKind.DATA_REQUEST_VERIFY: _data_request_verify,
    EmailKind.CONFIRM_EMAIL_CHANGE: _confirm_email_change,
    EmailKind.NEW_LINKS: _new_links,
    EmailKind.ARCHIVE_SIGN_IN: _archive_sign_in,
    EmailKind.MEMBERSHIP_DECIDED: _membership_decided,
    **SOURCE_CONTEXT_BUILDERS,
    **ADMIN_CONTEXT_BUILDERS,
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
    if topic is None and message.context.get("attending"):
        return FooterReason.ATTENDEE  # an announcement to a meeting's Yes list
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
        """One reader's email. A message's rendering is shared by its readers (links carry stand-in
        tokens, then each reader's own), except where the context itself is per reader (a digest)."""
        network = session.get_one(Network, message.network_id)
        kind = EmailKind(message.email_kind)
        topic = session.get_one(Topic, message.topic_id) if message.topic_id is not None else None
        footer = Footer(
            network_name=network.name,
            topic_name=topic.name if topic else network.name,
            manage_url=self.links.manage_url_with(MANAGE_STAND_IN),
            unsubscribe_url=self.links.unsubscribe_url_with(UNSUBSCRIBE_STAND_IN),
            privacy_notice_url=network.privacy_notice_url,
            reason=footer_reason(kind, message, topic),
            archive_url=f"{self.public_base_url}/archive/{network.slug}",
            meeting_title=str(message.context.get("attending") or ""),
        )
        data = message.context
        per_reader = kind in PER_SUBSCRIBER_CONTEXT
        if per_reader:  # e.g. a digest lists what this reader's topics had
            data = {**data, **PER_SUBSCRIBER_CONTEXT[kind](session, message, subscriber)}
        meeting_id = int(data["meeting_id"]) if data.get("meeting_id") else None
        if data.get("calendar_url") and meeting_id:  # this reader's own invitation file
            calendar_url = self.links.attendee_calendar_url_with(data["calendar_url"], ATTENDEE_STAND_IN)
            data = {**data, "calendar_url": calendar_url}
        if data.get("answer_url") and meeting_id:  # this reader's own answer links
            data = {**data, "answer_url": f"{data['answer_url']}/{ANSWER_STAND_IN}"}
        context = CONTEXT_BUILDERS[kind](data, network, footer)
        spec = EMAIL_KINDS[kind]
        render = render_email if per_reader or spec.transactional else render_shared_email
        rendered = render(kind, context, allowed_origins=(network.site_url, self.public_base_url))
        tokens = ReaderTokens(
            self.links, SubscriberRef(network.id, subscriber.id, topic.id if topic else None), meeting_id
        )
        body = tokens.fill(rendered.body)
        check_body_size(kind, body)
        return ComposedEmail(
            subject=tokens.fill(rendered.subject),
            body=body,
            one_click_unsubscribe_url=(
                None
                if spec.transactional or footer.reason is FooterReason.TEST
                else self.links.one_click_unsubscribe_url_with(tokens.unsubscribe)
            ),
            email_reply_to_id=network.notify_reply_to_id,
        )


# Stand-ins for a reader's own link tokens in a rendering shared by a message's readers. Random for
# each process and made of letters and digits only, so escaping and URL quoting keep them as they are
# and no outside text can hold one; the tokens that replace them (URL-safe base64 and dots) are kept
# as they are by URL quoting too, so a filled email is the one rendering with the real tokens gives.
_STAND_IN = secrets.token_hex(16)
MANAGE_STAND_IN, UNSUBSCRIBE_STAND_IN, ATTENDEE_STAND_IN, ANSWER_STAND_IN = (
    f"{_STAND_IN}{n}" for n in "muar"
)


class ReaderTokens:
    """One reader's link tokens, each signed only if their email has the link."""

    def __init__(self, links: LinkBuilder, ref: SubscriberRef, meeting_id: int | None) -> None:
        self.links = links
        self.ref = ref
        self.meeting_id = meeting_id

    @functools.cached_property
    def unsubscribe(self) -> str:
        return self.links.unsubscribe_token(self.ref)

    @functools.cached_property
    def manage(self) -> str:
        return self.links.manage_token(self.ref)

    @functools.cached_property
    def attendee(self) -> str:
        if self.meeting_id is None:
            raise ValueError("an attendee link without a meeting")
        return self.links.attendee_token(self.ref.network_id, self.meeting_id, self.ref.subscriber_id)

    @functools.cached_property
    def answer(self) -> str:
        if self.meeting_id is None:
            raise ValueError("an answer link without a meeting")
        return self.links.answer_token(self.ref.network_id, self.meeting_id, self.ref.subscriber_id)

    def fill(self, text: str) -> str:
        if UNSUBSCRIBE_STAND_IN in text:
            text = text.replace(UNSUBSCRIBE_STAND_IN, self.unsubscribe)
        if MANAGE_STAND_IN in text:
            text = text.replace(MANAGE_STAND_IN, self.manage)
        if ATTENDEE_STAND_IN in text:
            text = text.replace(ATTENDEE_STAND_IN, self.attendee)
        if ANSWER_STAND_IN in text:
            text = text.replace(ANSWER_STAND_IN, self.answer)
        return text
