"""What the steering group sees and changes of the people it holds, in the admin web: a person's
record, the list as CSV, adding someone whose consent it recorded, and the suppression list; each view
and change audited with ids only. Removing someone is an erasure (`privacy/erasure.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from notifier.config import Settings
from notifier.db.models import Subscriber, Suppression, Topic
from notifier.domain.statuses import ConsentSource, Frequency
from notifier.services.admin.people import PeopleFilter, PersonRecord, export_csv, person_record
from notifier.services.common import audit
from notifier.services.common.scope import NetworkScope, NotFound
from notifier.services.subscribers.addresses import AddressRejected, checked_work_email
from notifier.services.subscribers.subscriptions import add_confirmed_subscriber


@dataclass(frozen=True)
class NewPerson:
    name: str = ""
    email: str = ""
    department: str = ""
    topics: list[str] = field(default_factory=list)  # topic slugs
    frequency: str = Frequency.IMMEDIATE.value
    consent: bool = False


class PersonRefused(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def _errors(scope: NetworkScope, person: NewPerson, chosen: list[Topic]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not person.name.strip() or len(person.name) > 200:
        errors["name"] = "Enter the person's full name"
    if len(person.department) > 200:
        errors["department"] = "Department must be 200 characters or fewer"
    if not chosen:
        errors["topics"] = "Select at least one topic"
    if person.frequency not in {f.value for f in Frequency}:
        errors["frequency"] = "Select how often they get email"
    if not person.consent:
        errors["consent"] = "Confirm that the person agreed to get these emails"
    try:
        checked_work_email(scope.network, person.email)
    except AddressRejected as exc:
        errors["email"] = str(exc)
    return errors


def add_person(
    scope: NetworkScope, person: NewPerson, settings: Settings, *, actor: str, now: datetime
) -> Subscriber:
    """Raises PersonRefused by field; stores nothing then."""
    chosen = [t for t in scope.topics() if t.slug in person.topics]
    errors = _errors(scope, person, chosen)
    if errors:
        raise PersonRefused(errors)
    added = add_confirmed_subscriber(
        scope.session, scope.network, email=person.email, name=person.name, department=person.department,
        topics=chosen, frequency=Frequency(person.frequency), source=ConsentSource.ADMIN,
        hash_key=settings.hash_key, now=now,
    )  # fmt: skip
    audit.record(
        scope.session, scope.network_id, actor, "person_added", "subscriber", added.id, topics=len(chosen)
    )
    return added


def suppression_list(scope: NetworkScope, limit: int = 1000) -> list[Suppression]:
    query = scope.rows(Suppression).order_by(Suppression.id.desc()).limit(limit)
    return list(scope.session.scalars(query))


def view_person(scope: NetworkScope, subscriber_id: int, *, actor: str) -> PersonRecord:
    """One person's record, audited as viewed; NotFound when not this network's."""
    record = person_record(scope.session, scope.network_id, subscriber_id)
    if record is None:
        raise NotFound("person")
    audit.record(scope.session, scope.network_id, actor, "person_viewed", "subscriber", subscriber_id)
    return record


@dataclass(frozen=True)
class PeopleExport:
    filename: str
    text: str


def export_people(
    scope: NetworkScope, chosen: PeopleFilter, *, actor: str, only: Sequence[int] | None = None
) -> PeopleExport:
    """The list as CSV (names, departments, addresses), audited as exported; `only`: the people an
    admin selected on the page (still within the filter, and only this network's)."""
    network = scope.network
    audit.record(
        scope.session, network.id, actor, "people_exported", "network", network.id,
        who=chosen.who.value, searched=bool(chosen.query), topic=chosen.topic_id,
        selected=len(only) if only is not None else None,
    )  # fmt: skip
    # Read inside the unit of work (a steering group's list is thousands of rows, not millions).
    text = "".join(export_csv(scope.session, network.id, chosen, only=only))
    name = "selected-people" if only is not None else chosen.who.value
    return PeopleExport(f"{network.slug}-{name}.csv", text)
