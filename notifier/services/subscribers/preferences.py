"""What a person changes from the preferences link: topics, how often, leaving; and the consent state
derived from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from notifier.db.models import Network, Subscriber, Topic
from notifier.domain.statuses import (
    ConsentAction,
    ConsentSource,
    Frequency,
    SubscriberStatus,
    SubscriptionEndReason,
)
from notifier.repositories import networks as network_repo
from notifier.repositories import signups as signup_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.subscribers.signup_form import public_topics
from notifier.services.subscribers.subscriptions import subscribe_to_topic, unsubscribe


class PreferencesRefused(ValueError):
    """The change cannot be made here; the message is safe to show."""


@dataclass(frozen=True)
class TopicConsent:
    topic_id: int
    granted: bool
    notice_version: str
    since: datetime


def current_consent(session: Session, subscriber_id: int) -> dict[int, TopicConsent]:
    """Per topic, the latest ledger entry decides: granted/changed means consenting, withdrawn not."""
    state: dict[int, TopicConsent] = {}
    for event in signup_repo.consent_history(session, subscriber_id):
        if event.topic_id is None:
            continue
        granted = event.action is not ConsentAction.WITHDRAWN
        state[event.topic_id] = TopicConsent(event.topic_id, granted, event.notice_version, event.occurred_at)
    return state


def update_preferences(
    session: Session,
    network: Network,
    subscriber: Subscriber,
    *,
    topic_ids: set[int],
    frequency: Frequency,
    now: datetime,
) -> None:
    """Make the public topics exactly `topic_ids` at `frequency`; members-only topics are left alone."""
    if subscriber_repo.is_suppressed(session, network.id, subscriber.email_hash):
        raise PreferencesRefused(
            "We stopped sending to this address. Subscribe again to start getting emails."
        )
    if subscriber.confirmed_at is None:
        raise PreferencesRefused("Confirm your subscription from the email we sent you first.")
    choosable: dict[int, Topic] = {
        t.id: t for t in public_topics(network_repo.list_topics(session, network.id))
    }
    if not topic_ids <= choosable.keys():
        raise PreferencesRefused("Select topics from the list")
    if topic_ids and subscriber.status is SubscriberStatus.LEFT:
        subscriber.status, subscriber.left_at = SubscriberStatus.ACTIVE, None
    for topic_id, topic in choosable.items():
        if topic_id in topic_ids:
            subscribe_to_topic(
                session, network, subscriber, topic, frequency=frequency, source=ConsentSource.FORM, now=now
            )
        else:
            unsubscribe(
                session,
                network,
                subscriber,
                topic_id=topic_id,
                source=ConsentSource.FORM,
                reason=SubscriptionEndReason.UNSUBSCRIBED,
                now=now,
            )
    subscriber_repo.mark_left_if_nothing_active(session, subscriber, now)
