"""Stored notifications (the sandbox's database and its "outbox"), indexed for the API and for tests.

Everything lives on the event loop; nothing here awaits, so no request can see a half-made change.
Indexes keep the hot queries cheap at 100,000 rows: by id, by key type (for the API list), by
reference and by recipient (for the outbox and the ledger).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from notify_sandbox.config.settings import KeyType, Outcome, TemplateSpec
from notify_sandbox.state.addresses import comparable


class NotificationStatus(StrEnum):
    CREATED = "created"
    SENDING = "sending"
    DELIVERED = "delivered"
    PERMANENT_FAILURE = "permanent-failure"
    TEMPORARY_FAILURE = "temporary-failure"
    TECHNICAL_FAILURE = "technical-failure"

    @property
    def is_final(self) -> bool:
        return self not in (NotificationStatus.CREATED, NotificationStatus.SENDING)


FAILED_ALIAS = frozenset(
    {
        "technical-failure",
        "temporary-failure",
        "permanent-failure",
        "validation-failed",
        "virus-scan-failed",
        "returned-letter",
    }
)


@dataclass(slots=True)
class CallbackAttempt:
    at: datetime
    status_code: int | None
    error: str | None


@dataclass(slots=True, eq=False)
class StoredNotification:
    seq: int
    id: str
    key_type: KeyType
    email_address: str
    reference: str | None
    template: TemplateSpec
    personalisation: dict[str, Any]
    subject: str
    body: str
    one_click_unsubscribe_url: str | None
    reply_to: str | None
    created_at: datetime
    outcome: Outcome
    status: NotificationStatus = NotificationStatus.CREATED
    sent_at: datetime | None = None
    updated_at: datetime | None = None
    callbacks: list[CallbackAttempt] = field(default_factory=list)
    unsubscribe_result: str | None = None
    service_id: str = ""  # the service that sent it; the store fills in its first service when empty

    @property
    def completed_at(self) -> datetime | None:
        return self.updated_at if self.status.is_final else None


def _seq(notification: StoredNotification) -> int:
    return notification.seq


class NotificationStore:
    """Every service's notifications in one sequence (the outbox), with per-service indexes for the API."""

    def __init__(self, first_service_id: str = "") -> None:
        self._first_service_id = first_service_id
        self._next_seq = 1
        self._reset()

    def _reset(self) -> None:
        self._all: list[StoredNotification] = []
        self._by_id: dict[str, StoredNotification] = {}
        self._by_service: dict[str, list[StoredNotification]] = {}
        self._by_key_type: dict[tuple[str, KeyType], list[StoredNotification]] = {}
        self._by_reference: dict[str, list[StoredNotification]] = {}
        self._by_recipient: dict[str, list[StoredNotification]] = {}
        self._status_counts: Counter[str] = Counter()
        self._duplicate_references: set[str] = set()
        self._repeated_recipients: set[str] = set()

    def __len__(self) -> int:
        return len(self._all)

    def next_seq(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq

    def add(self, notification: StoredNotification) -> None:
        if not notification.service_id:
            notification.service_id = self._first_service_id
        service_id = notification.service_id
        self._all.append(notification)
        self._by_id[notification.id] = notification
        self._by_service.setdefault(service_id, []).append(notification)
        self._by_key_type.setdefault((service_id, notification.key_type), []).append(notification)
        if notification.reference is not None:
            same = self._by_reference.setdefault(notification.reference, [])
            same.append(notification)
            if len(same) > 1:
                self._duplicate_references.add(notification.reference)
        recipient = comparable(notification.email_address)
        sent_to = self._by_recipient.setdefault(recipient, [])
        sent_to.append(notification)
        if len(sent_to) > 1:
            self._repeated_recipients.add(recipient)
        self._status_counts[notification.status] += 1

    def set_status(self, notification: StoredNotification, status: NotificationStatus, at: datetime) -> None:
        self._status_counts[notification.status] -= 1
        self._status_counts[status] += 1
        notification.status = status
        notification.updated_at = at
        if status is NotificationStatus.SENDING:
            notification.sent_at = at

    def get(self, notification_id: str) -> StoredNotification | None:
        return self._by_id.get(notification_id)

    def clear(self) -> None:
        """Forget every notification (sequence numbers keep counting, so old cursors match nothing new)."""
        self._reset()

    def for_api(
        self,
        service_id: str,
        key_type: KeyType,
        *,
        statuses: set[str] | None,
        reference: str | None,
        older_than: str | None,
        limit: int,
    ) -> list[StoredNotification]:
        """Newest first, only this service's and this key type's, as GET /v2/notifications lists them."""
        rows = (
            self._by_key_type.get((service_id, key_type), [])
            if reference is None
            else [
                n
                for n in self._by_reference.get(reference, [])
                if n.key_type is key_type and n.service_id == service_id
            ]
        )
        end = len(rows)
        if older_than is not None:
            anchor = self._by_id.get(older_than)
            if anchor is None or anchor.key_type is not key_type or anchor.service_id != service_id:
                return []
            end = bisect.bisect_left(rows, anchor.seq, key=_seq)
        found: list[StoredNotification] = []
        for notification in _newest_first(rows, end):
            if statuses is None or notification.status in statuses:
                found.append(notification)
                if len(found) == limit:
                    break
        return found

    def outbox(
        self,
        *,
        to: str | None,
        reference: str | None,
        cursor: int | None,
        limit: int,
        oldest_first: bool,
        service_id: str | None = None,
    ) -> list[StoredNotification]:
        rows = self._rows_for(to, reference, service_id)
        if oldest_first:
            start = 0 if cursor is None else bisect.bisect_right(rows, cursor, key=_seq)
            return rows[start : start + limit]
        end = len(rows) if cursor is None else bisect.bisect_left(rows, cursor, key=_seq)
        return rows[max(0, end - limit) : end][::-1]

    def _rows_for(
        self, to: str | None, reference: str | None, service_id: str | None
    ) -> list[StoredNotification]:
        if to is not None:
            rows = self._by_recipient.get(comparable(to), [])
            rows = rows if reference is None else [n for n in rows if n.reference == reference]
        elif reference is not None:
            rows = self._by_reference.get(reference, [])
        else:
            return self._all if service_id is None else self._by_service.get(service_id, [])
        return rows if service_id is None else [n for n in rows if n.service_id == service_id]

    def ledger(
        self, *, to: str | None, include_recipients: bool, service_id: str | None = None
    ) -> dict[str, Any]:
        """Counts an exactly-once test needs, computed from the indexes (no scan of all rows).

        With `service_id`, the same counts over that service's notifications (a scan of them).
        """
        if service_id is not None:
            return _scanned_ledger(self._by_service.get(service_id, []), to, include_recipients)
        by_key_type: Counter[str] = Counter({t.value: 0 for t in KeyType})
        for (_, key_type), rows in self._by_key_type.items():
            by_key_type[key_type.value] += len(rows)
        ledger: dict[str, Any] = {
            "total": len(self._all),
            "by_status": {status: count for status, count in sorted(self._status_counts.items()) if count},
            "by_key_type": dict(by_key_type),
            "by_service": {service: len(rows) for service, rows in self._by_service.items()},
            "duplicate_references": {
                r: len(self._by_reference[r]) for r in sorted(self._duplicate_references)
            },
            "repeated_recipients": {r: len(self._by_recipient[r]) for r in sorted(self._repeated_recipients)},
            "distinct_recipients": len(self._by_recipient),
            "distinct_references": len(self._by_reference),
        }
        if to is not None:
            ledger["to"] = {"address": to, "count": len(self._by_recipient.get(comparable(to), []))}
        if include_recipients:
            ledger["by_recipient"] = {r: len(rows) for r, rows in self._by_recipient.items()}
        return ledger

    def all(self) -> Iterable[StoredNotification]:
        return iter(self._all)


def _scanned_ledger(
    rows: list[StoredNotification], to: str | None, include_recipients: bool
) -> dict[str, Any]:
    by_reference = Counter(n.reference for n in rows if n.reference is not None)
    by_recipient = Counter(comparable(n.email_address) for n in rows)
    by_key_type = Counter(n.key_type.value for n in rows)
    ledger: dict[str, Any] = {
        "total": len(rows),
        "by_status": dict(sorted(Counter(n.status.value for n in rows).items())),
        "by_key_type": {t.value: by_key_type[t.value] for t in KeyType},
        "duplicate_references": {r: c for r, c in sorted(by_reference.items()) if c > 1},
        "repeated_recipients": {r: c for r, c in sorted(by_recipient.items()) if c > 1},
        "distinct_recipients": len(by_recipient),
        "distinct_references": len(by_reference),
    }
    if to is not None:
        ledger["to"] = {"address": to, "count": by_recipient.get(comparable(to), 0)}
    if include_recipients:
        ledger["by_recipient"] = dict(by_recipient)
    return ledger


def _newest_first(rows: list[StoredNotification], end: int) -> Iterator[StoredNotification]:
    for index in range(end - 1, -1, -1):
        yield rows[index]
