"""Adding people on their behalf (an import, or a bulk "add to topic"): by default each person is asked
by email to confirm, and nothing is sent to them until they do; recording that they already agreed
needs a stated reason, which is kept with each consent record it writes (`consent_event.reason`).

One person at a time (`add_on_behalf`), so the import and the members page treat everyone alike:
a suppressed address is never brought back by assumption, a restricted person is left alone, and an
asked person's link lasts `import_confirm_days` with one reminder (`import_reminders.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from notifier.db.models import Network, Topic
from notifier.db.session import UnitOfWork
from notifier.domain.emails import keyed_email_hash
from notifier.domain.statuses import ConsentSource, Frequency, SubscriberStatus
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.ports import TaskQueue
from notifier.services.subscribers.signup_form import CheckedSignup
from notifier.services.subscribers.signups import SignupContext, request_signup
from notifier.services.subscribers.subscriptions import add_confirmed_subscriber

REASON_MAX = 300
ASK = "ask"
RECORD = "record"


class ConsentRefused(ValueError):
    """The choice is incomplete; keyed by form field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class ConsentChoice:
    """`ask`: email each person a link to confirm; else consent is recorded, for `reason`."""

    ask: bool = True
    reason: str = ""

    @classmethod
    def parse(cls, choice: str, reason: str) -> ConsentChoice:
        """From the form's `consent` radios and `reason` text; raises ConsentRefused."""
        reason = " ".join(reason.split())
        if choice == ASK or not choice:
            return cls(ask=True)
        if choice != RECORD:
            raise ConsentRefused({"consent": "Select how their consent is given"})
        if not reason:
            raise ConsentRefused({"reason": "Enter why you are recording their consent for them"})
        if len(reason) > REASON_MAX:
            raise ConsentRefused({"reason": f"The reason must be {REASON_MAX} characters or fewer"})
        return cls(ask=False, reason=reason)


class Added(StrEnum):
    ASKED = "asked"  # emailed a link to confirm
    SUBSCRIBED = "subscribed"  # consent recorded, with the reason
    ALREADY = "already"  # already subscribed to the topic: nothing changed
    SUPPRESSED = "suppressed"  # the address asked us to stop (or bounced): skipped
    RESTRICTED = "restricted"  # a data-subject restriction: nothing processed


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    department: str


def add_on_behalf(
    uow: UnitOfWork,
    queue: TaskQueue,
    network: Network,
    person: Person,
    topic: Topic,
    *,
    frequency: Frequency,
    choice: ConsentChoice,
    ctx: SignupContext,
    source: ConsentSource = ConsentSource.IMPORT,
) -> Added:
    """Ask one person to confirm `topic`, or record their consent for the choice's reason."""
    session = uow.session
    known = subscriber_repo.get_subscriber_by_email(session, network.id, person.email)
    if known is not None and known.status is SubscriberStatus.RESTRICTED:
        return Added.RESTRICTED
    if known is not None and subscriber_repo.active_subscription(session, known.id, topic.id) is not None:
        return Added.ALREADY
    if subscriber_repo.is_suppressed(session, network.id, keyed_email_hash(ctx.hash_key, person.email)):
        return Added.SUPPRESSED
    if choice.ask:
        name = known.name if known is not None else person.name
        department = known.department if known is not None else person.department
        signup = CheckedSignup(name, person.email, department, [topic], frequency)
        request_signup(uow, queue, network, signup, ctx, source=source)
        return Added.ASKED
    add_confirmed_subscriber(
        session, network, email=person.email, name=person.name, department=person.department,
        topics=[topic], frequency=frequency, source=source, hash_key=ctx.hash_key,
        now=ctx.now, reason=choice.reason,
    )  # fmt: skip
    return Added.SUBSCRIBED
