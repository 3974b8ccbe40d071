"""What the preferences page shows a person and the changes it makes, and what an unsubscribe link
does, for the person a signed link names (`linked_people.LinkedPerson`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from notifier.db.models import Topic
from notifier.domain.statuses import (
    ConsentSource,
    Frequency,
    MembershipStatus,
    SubscriberStatus,
    SubscriptionEndReason,
    SuppressionReason,
)
from notifier.repositories import networks as network_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.scope import NotFound
from notifier.services.subscribers import memberships
from notifier.services.subscribers.linked_people import LinkedPerson
from notifier.services.subscribers.preferences import update_preferences
from notifier.services.subscribers.signup_form import public_topics
from notifier.services.subscribers.subscriptions import unsubscribe


@dataclass(frozen=True)
class TopicChoice:
    topic: str
    topic_id: int
    frequency: str


@dataclass(frozen=True)
class PreferencesView:
    subscriptions: list[TopicChoice]
    choosable: list[Topic]
    chosen: set[int]
    frequency: Frequency
    suppressed: SuppressionReason | None
    restricted: bool
    membership: MembershipStatus | None


def preferences_of(person: LinkedPerson) -> PreferencesView:
    session, network, subscriber = person.scope.session, person.network, person.subscriber
    topics: dict[int, Topic] = {t.id: t for t in network_repo.list_topics(session, network.id)}
    active = [s for s in subscriber_repo.active_subscriptions(session, subscriber.id) if s.topic_id in topics]
    subscriptions = sorted(
        (TopicChoice(topics[s.topic_id].name, s.topic_id, s.frequency.value) for s in active),
        key=lambda choice: choice.topic,
    )
    frequencies = {s.frequency for s in active if not topics[s.topic_id].members_only}
    return PreferencesView(
        subscriptions=subscriptions,
        choosable=public_topics(list(topics.values())),
        chosen={s.topic_id for s in active},
        frequency=frequencies.pop() if len(frequencies) == 1 else Frequency.IMMEDIATE,
        suppressed=subscriber_repo.suppression_reason(session, network.id, subscriber.email_hash),
        restricted=subscriber.status is SubscriberStatus.RESTRICTED,
        membership=memberships.is_member(session, subscriber.id),
    )


def save_preferences(
    person: LinkedPerson, *, topic_ids: set[int], frequency: Frequency, now: datetime
) -> None:
    """Raises PreferencesRefused with a message to show."""
    update_preferences(
        person.scope.session,
        person.network,
        person.subscriber,
        topic_ids=topic_ids,
        frequency=frequency,
        now=now,
    )


def cancel_membership(person: LinkedPerson, now: datetime) -> None:
    memberships.cancel(person.scope.session, person.network, person.subscriber, now=now)


def unsubscribe_from_page(person: LinkedPerson, topic_id: int | None, now: datetime) -> Topic | None:
    """Stop one topic (or, with None, every email) from the preferences page; the topic stopped."""
    session = person.scope.session
    chosen = None if topic_id is None else network_repo.get_topic(session, person.network.id, topic_id)
    if topic_id is not None and chosen is None:
        raise NotFound("topic")
    unsubscribe(
        session,
        person.network,
        person.subscriber,
        topic_id=topic_id,
        source=ConsentSource.FORM,
        reason=SubscriptionEndReason.UNSUBSCRIBED,
        now=now,
    )
    return chosen


@dataclass(frozen=True)
class UnsubscribeView:
    """What an unsubscribe link's page shows: the topic it is for (None: every email), and whether
    there is anything left to stop."""

    topic: Topic | None
    already: bool


def unsubscribe_view(person: LinkedPerson) -> UnsubscribeView:
    topic = person.topic
    active = subscriber_repo.active_subscriptions(person.scope.session, person.subscriber.id)
    if person.ref.topic_id is not None:
        return UnsubscribeView(topic, not any(s.topic_id == person.ref.topic_id for s in active))
    return UnsubscribeView(topic, not active)


def unsubscribe_from_link(person: LinkedPerson, *, one_click: bool, now: datetime) -> Topic | None:
    """What an unsubscribe link's POST does: stop the link's topic (or every email); the topic."""
    source = ConsentSource.ONE_CLICK if one_click else ConsentSource.FORM
    reason = SubscriptionEndReason.ONE_CLICK if one_click else SubscriptionEndReason.UNSUBSCRIBED
    topic = person.topic
    unsubscribe(
        person.scope.session,
        person.network,
        person.subscriber,
        topic_id=person.ref.topic_id,
        source=source,
        reason=reason,
        now=now,
    )
    return topic
