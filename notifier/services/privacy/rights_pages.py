"""The data-rights pages' use cases: the choices a person is offered, starting a request from the
preferences link (a correction checked field by field), the emailed verification link's request, and
the access request's download."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import DataRequest, Network, Subscriber
from notifier.db.session import UnitOfWork
from notifier.domain.rights import DataRequestKind, DataRequestStatus
from notifier.domain.statuses import SubscriberStatus
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.links import SubscriberRef
from notifier.services.common.ports import TaskQueue
from notifier.services.common.scope import NotFound
from notifier.services.privacy import rights
from notifier.services.privacy.rights_export import bundle_as_csv, export_bundle
from notifier.services.subscribers.addresses import AddressRejected, checked_work_email
from notifier.services.subscribers.linked_people import LinkedPerson


def choices_for(subscriber: Subscriber) -> list[DataRequestKind]:
    """What a person may ask for, in the order the page lists it."""
    restricted = subscriber.status is SubscriberStatus.RESTRICTED
    middle = DataRequestKind.LIFT_RESTRICTION if restricted else DataRequestKind.RESTRICTION
    return [
        DataRequestKind.ACCESS,
        DataRequestKind.RECTIFICATION,
        middle,
        DataRequestKind.OBJECTION,
        DataRequestKind.ERASURE,
    ]


def start_request(
    uow: UnitOfWork,
    queue: TaskQueue,
    settings: Settings,
    person: LinkedPerson,
    kind: DataRequestKind,
    now: datetime,
) -> None:
    """A request that needs no details, verified by the link we email to the address held."""
    context = rights.RightsContext.from_settings(settings)
    rights.request_from_preferences(uow, queue, context, person.subscriber, kind, {}, now)


class CorrectionRefused(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def request_correction(
    uow: UnitOfWork,
    queue: TaskQueue,
    settings: Settings,
    person: LinkedPerson,
    values: dict[str, str],
    now: datetime,
) -> None:
    """A correction of the name, department or address held; raises CorrectionRefused by field."""
    email = values.get("email", "")
    try:
        new_email = checked_work_email(person.network, email) if email.strip() else ""
    except AddressRejected as exc:
        raise CorrectionRefused({"email": str(exc)}) from exc
    try:
        details = rights.checked_details(
            DataRequestKind.RECTIFICATION,
            # The address held now is no change: it is dropped rather than confirmed again.
            {**values, "email": "" if new_email == person.subscriber.email else new_email},
        )
    except rights.RequestRefused as exc:
        field, _, text = str(exc).partition(": ")
        raise CorrectionRefused({field: text[:1].upper() + text[1:]}) from exc
    context = rights.RightsContext.from_settings(settings)
    rights.request_from_preferences(
        uow, queue, context, person.subscriber, DataRequestKind.RECTIFICATION, details, now
    )


@dataclass(frozen=True)
class RequestLink:
    """The request a verification link names, with its network."""

    request: DataRequest
    network: Network
    token: str

    @property
    def awaiting_verification(self) -> bool:
        return self.request.status is DataRequestStatus.AWAITING_VERIFICATION

    @property
    def person(self) -> SubscriberRef | None:
        """The person the request is about, while we still hold them."""
        found = self.request
        return None if found.subscriber_id is None else SubscriberRef(found.network_id, found.subscriber_id)

    @property
    def downloadable(self) -> bool:
        return self.request.kind is DataRequestKind.ACCESS and self.request.subscriber_id is not None


def request_from_link(session: Session, settings: Settings, token: str) -> RequestLink:
    """Raises InvalidToken (ExpiredToken) for a link that is not ours or too old, NotFound when the
    request is no longer open."""
    network_id, request_id = rights.RightsContext.from_settings(settings).read_token(token)
    found = rights.open_request(session, network_id, request_id)
    if found is None:
        raise NotFound("request")
    return RequestLink(found, session.get_one(Network, found.network_id), token)


def verify_request(
    uow: UnitOfWork, queue: TaskQueue, settings: Settings, link: RequestLink, now: datetime
) -> None:
    rights.verify_from_link(uow, queue, rights.RightsContext.from_settings(settings), link.request, now)


@dataclass(frozen=True)
class Download:
    text: str
    media_type: str


def access_download(
    session: Session, settings: Settings, link: RequestLink, fmt: str, now: datetime
) -> Download:
    """Everything held about the person, once their access request is complete; NotFound otherwise."""
    found = link.request
    verified = found.kind is DataRequestKind.ACCESS and found.status is DataRequestStatus.COMPLETED
    subscriber = (
        subscriber_repo.get_subscriber(session, found.network_id, found.subscriber_id)
        if found.subscriber_id is not None
        else None
    )
    if not verified or subscriber is None or fmt not in ("json", "csv"):
        raise NotFound("download")
    bundle: dict[str, Any] = export_bundle(
        session, subscriber, notify_retention_days=settings.notify_retention_days, now=now
    )
    if fmt == "json":
        return Download(json.dumps(bundle, indent=2), "application/json")
    return Download(bundle_as_csv(bundle), "text/csv; charset=utf-8")
