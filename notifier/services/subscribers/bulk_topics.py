"""Adding the people an admin ticked on the members page to a topic, or taking them off one, each
change audited once with counts. Adding goes through `consent_choice.add_on_behalf`, as an import
does: each person is asked by email to confirm unless the admin records their consent with a reason.
Members-only topics are not offered: they come with an approved membership."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from notifier.db.models import Subscriber, Topic
from notifier.db.session import UnitOfWork
from notifier.domain.statuses import ConsentSource, Frequency, SubscriptionEndReason
from notifier.services.common import audit
from notifier.services.common.ports import TaskQueue
from notifier.services.common.scope import NetworkScope
from notifier.services.subscribers.consent_choice import (
    Added,
    ConsentChoice,
    ConsentRefused,
    Person,
    add_on_behalf,
)
from notifier.services.subscribers.signups import SignupContext
from notifier.services.subscribers.subscriptions import unsubscribe

MAX_SELECTED = 500


class BulkRefused(ValueError):
    """Nothing was changed; keyed by form field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class TopicChange:
    """What the admin asked: the people (ids from the page), the topic, and for adding, how often and
    how consent is given."""

    people: Sequence[int]
    topic_slug: str
    frequency: str = Frequency.IMMEDIATE.value
    consent: str = "ask"
    reason: str = ""


def _checked(scope: NetworkScope, change: TopicChange) -> tuple[list[Subscriber], Topic]:
    errors: dict[str, str] = {}
    ids = list(dict.fromkeys(change.people))
    if not ids:
        errors["person"] = "Select at least one person"
    elif len(ids) > MAX_SELECTED:
        errors["person"] = f"Select {MAX_SELECTED} people or fewer at a time"
    topic = scope.topic_by_slug(change.topic_slug)
    if topic is None or topic.members_only:
        errors["to_topic"] = "Select a topic"
    if errors or topic is None:
        raise BulkRefused(errors)
    people = list(scope.session.scalars(scope.rows(Subscriber).where(Subscriber.id.in_(ids))))
    return people, topic


def add_to_topic(
    uow: UnitOfWork,
    queue: TaskQueue,
    scope: NetworkScope,
    change: TopicChange,
    ctx: SignupContext,
    *,
    actor: str,
) -> tuple[Topic, Counter[Added]]:
    """Ask (or, with a reason, record) each ticked person for the topic; raises BulkRefused."""
    errors: dict[str, str] = {}
    choice = ConsentChoice()
    try:
        choice = ConsentChoice.parse(change.consent, change.reason)
    except ConsentRefused as exc:
        errors.update(exc.errors)
    if change.frequency not in Frequency._value2member_map_:
        errors["to_frequency"] = "Select how often they get email"
    try:
        people, topic = _checked(scope, change)
    except BulkRefused as exc:
        raise BulkRefused({**exc.errors, **errors}) from exc
    if errors:
        raise BulkRefused(errors)
    outcome: Counter[Added] = Counter()
    for person in people:
        outcome[
            add_on_behalf(
                uow, queue, scope.network, Person(person.email, person.name, person.department), topic,
                frequency=Frequency(change.frequency), choice=choice, ctx=ctx, source=ConsentSource.ADMIN,
            )
        ] += 1  # fmt: skip
    audit.record(
        uow.session, scope.network_id, actor, "people_added_to_topic", "topic", topic.id,
        **{added.value: outcome[added] for added in Added}, consent_recorded=not choice.ask,
    )  # fmt: skip
    return topic, outcome


def take_off_topic(
    scope: NetworkScope, change: TopicChange, *, actor: str, now: datetime
) -> tuple[Topic, int]:
    """End the ticked people's subscriptions to the topic (consent withdrawn by an admin); how many."""
    people, topic = _checked(scope, change)
    ended = 0
    for person in people:
        ended += len(
            unsubscribe(
                scope.session, scope.network, person, topic_id=topic.id, source=ConsentSource.ADMIN,
                reason=SubscriptionEndReason.ADMIN, now=now,
            )
        )  # fmt: skip
    audit.record(
        scope.session, scope.network_id, actor, "people_taken_off_topic", "topic", topic.id, ended=ended
    )
    return topic, ended
