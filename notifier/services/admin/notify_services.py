"""A network's own GOV.UK Notify service: set, shown (never its keys), checked, cleared, re-encrypted.

A network that brings its own service sends from it (its name in the From header, its own rate and
daily limits, its data in a service it controls); one without sends through the deployment's.
Keys are encrypted at rest (`common/secrets_at_rest.py`) and never shown again once entered; the
callback bearer token is kept only as a SHA-256, which is all a constant-time comparison needs.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.config import NotifyKeyType
from notifier.db.models import Network, NetworkNotifyService
from notifier.domain.notify_keys import BadApiKey, service_id_of
from notifier.services.common import audit
from notifier.services.common.secrets_at_rest import SecretBox

# Notify's callback settings refuse a bearer token shorter than this.
MIN_CALLBACK_TOKEN_LENGTH = 10
_KEY_COLUMNS = {
    NotifyKeyType.LIVE: "api_key_live",
    NotifyKeyType.TEAM: "api_key_team",
    NotifyKeyType.TEST: "api_key_test",
}


class NotifyServiceRefused(ValueError):
    """What was entered cannot be used; `field` names it and the message never repeats a secret."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class NotifyServiceEntry:
    """What an admin enters. A key left out keeps the one already stored for the same service."""

    sending_key: NotifyKeyType
    template_id: str
    api_keys: dict[NotifyKeyType, str]
    reply_to_id: str | None = None
    callback_token: str | None = None


@dataclass(frozen=True, slots=True)
class NotifyServiceSummary:
    """What may be shown about a network's service: which keys are set, never the keys."""

    service_id: str
    sending_key: NotifyKeyType
    keys_set: tuple[NotifyKeyType, ...]
    template_id: str | None
    reply_to_id: str | None
    own_callback_token: bool
    updated_at: datetime
    checked_at: datetime | None


@dataclass(frozen=True, slots=True)
class NotifyCredentials:
    """What the gateway needs to send from one Notify service."""

    service_id: str
    api_key: str
    template_id: str
    key_type: NotifyKeyType


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _uuid_or_refuse(field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise NotifyServiceRefused(field, "must be a Notify id (a UUID)") from None


def _service_of(entry: NotifyServiceEntry) -> str:
    service_ids: set[str] = set()
    for kind, key in entry.api_keys.items():
        try:
            service_ids.add(service_id_of(key))
        except BadApiKey as error:
            raise NotifyServiceRefused(f"api_key_{kind.value}", str(error)) from None
    if len(service_ids) > 1:
        raise NotifyServiceRefused("api_keys", "the keys belong to different Notify services")
    if not service_ids:
        raise NotifyServiceRefused("api_keys", "enter at least the key that sends")
    return service_ids.pop()


def set_notify_service(
    session: Session,
    box: SecretBox,
    network: Network,
    entry: NotifyServiceEntry,
    *,
    actor: str,
    now: datetime,
) -> NotifyServiceSummary:
    """Store the network's own Notify service; nothing is stored when any field is refused."""
    template_id = _required_template_id(entry)
    reply_to_id = _uuid_or_refuse("reply_to_id", entry.reply_to_id)
    token = _callback_token(entry)
    service_id, stored = _service_and_stored_row(session, network, entry)
    same_service = stored if stored is not None and stored.service_id == service_id else None
    _check_sending_key(entry, same_service)
    # Everything is checked: only now is anything written.
    row = same_service if same_service is not None else _replace_row(session, network, stored, service_id)
    _store_entry(row, box, entry, token, now)
    network.notify_template_id, network.notify_reply_to_id = template_id, reply_to_id
    audit.record(
        session,
        network.id,
        actor,
        "notify_service.set",
        "network",
        network.id,
        sending_key=entry.sending_key.value,
    )
    session.flush()
    return _summary(row, network)


def _required_template_id(entry: NotifyServiceEntry) -> str:
    template_id = _uuid_or_refuse("template_id", entry.template_id)
    if template_id is None:
        raise NotifyServiceRefused(
            "template_id", "the id of the service's generic email template is required"
        )
    return template_id


def _callback_token(entry: NotifyServiceEntry) -> str:
    """The bearer token entered (empty when none: the stored one stays), as long as Notify asks."""
    token = (entry.callback_token or "").strip()
    if token and len(token) < MIN_CALLBACK_TOKEN_LENGTH:
        raise NotifyServiceRefused(
            "callback_token", f"must be at least {MIN_CALLBACK_TOKEN_LENGTH} characters"
        )
    return token


def _service_and_stored_row(
    session: Session, network: Network, entry: NotifyServiceEntry
) -> tuple[str, NetworkNotifyService | None]:
    """The service the entered keys belong to (with none entered, the stored one), and the stored row."""
    entered = _service_of(entry) if entry.api_keys else None
    stored = session.get(NetworkNotifyService, network.id)
    if entered is not None:
        return entered, stored
    if stored is None:
        raise NotifyServiceRefused("api_keys", "enter at least the key that sends")
    return stored.service_id, stored


def _check_sending_key(entry: NotifyServiceEntry, same_service: NetworkNotifyService | None) -> None:
    """The key that sends is entered now, or already stored for this same service."""
    kept = {
        kind
        for kind, column in _KEY_COLUMNS.items()
        if same_service is not None and getattr(same_service, column)
    }
    if entry.sending_key not in kept | set(entry.api_keys):
        raise NotifyServiceRefused(
            f"api_key_{entry.sending_key.value}", "the key that sends must be entered for this service"
        )


def _replace_row(
    session: Session, network: Network, stored: NetworkNotifyService | None, service_id: str
) -> NetworkNotifyService:
    """A new row for a different service: none of the old service's keys or bearer carry over."""
    if stored is not None:
        session.delete(stored)
        session.flush()
    row = NetworkNotifyService(network_id=network.id, service_id=service_id)
    session.add(row)
    return row


def _store_entry(
    row: NetworkNotifyService, box: SecretBox, entry: NotifyServiceEntry, token: str, now: datetime
) -> None:
    for kind, key in entry.api_keys.items():
        setattr(row, _KEY_COLUMNS[kind], box.seal(key.strip()))
    row.sending_key = entry.sending_key
    if token:
        row.callback_token_sha256 = token_digest(token)
    row.updated_at, row.checked_at = now, None


def describe(session: Session, network: Network) -> NotifyServiceSummary | None:
    row = session.get(NetworkNotifyService, network.id)
    return None if row is None else _summary(row, network)


def clear_notify_service(session: Session, network: Network, *, actor: str) -> bool:
    """Go back to the deployment's service; True when the network had its own."""
    row = session.get(NetworkNotifyService, network.id)
    if row is None:
        return False
    session.delete(row)
    network.notify_template_id = None
    audit.record(session, network.id, actor, "notify_service.cleared", "network", network.id)
    return True


def credentials_for(session: Session, box: SecretBox, network_id: int) -> NotifyCredentials | None:
    """The network's own sending credentials, or None when it sends through the deployment's service."""
    row = session.get(NetworkNotifyService, network_id)
    if row is None:
        return None
    network = session.get_one(Network, network_id)
    sealed = getattr(row, _KEY_COLUMNS[row.sending_key])
    return NotifyCredentials(
        row.service_id, box.open(sealed), network.notify_template_id or "", row.sending_key
    )


def service_ids_by_network(session: Session) -> dict[int, str]:
    return {
        network_id: service_id
        for network_id, service_id in session.execute(
            select(NetworkNotifyService.network_id, NetworkNotifyService.service_id)
        ).tuples()
    }


def callback_token_accepted(session: Session, network_id: int, token: str, deployment_token: str) -> bool:
    """Whether `token` is the bearer this network's receipts must carry, compared in constant time."""
    row = session.get(NetworkNotifyService, network_id)
    expected = row.callback_token_sha256 if row is not None and row.callback_token_sha256 else None
    if expected is None:
        expected = token_digest(deployment_token)
    return hmac.compare_digest(token_digest(token), expected)


def record_check(session: Session, network: Network, *, now: datetime, actor: str, ok: bool) -> None:
    row = session.get(NetworkNotifyService, network.id)
    if row is not None and ok:
        row.checked_at = now
    audit.record(session, network.id, actor, "notify_service.checked", "network", network.id, ok=ok)


@dataclass(frozen=True, slots=True)
class CheckResult:
    service_id: str
    problem: str | None  # None: the key authenticated and the template exists; else what Notify said


def check_notify_service(
    session: Session,
    box: SecretBox,
    network: Network,
    probe: Callable[[str, str], str | None],
    *,
    actor: str,
    now: datetime,
) -> CheckResult | None:
    """Ask Notify whether the network's own service works, and record the answer; None when it has
    no service of its own. `probe(api_key, template_id)` fetches the template with the sending key
    and says what went wrong (`gateway.notify.check_key`). SecretUnreadable when a stored key cannot
    be decrypted with the configured encryption keys."""
    credentials = credentials_for(session, box, network.id)
    if credentials is None:
        return None
    problem = probe(credentials.api_key, credentials.template_id)
    record_check(session, network, now=now, actor=actor, ok=problem is None)
    return CheckResult(credentials.service_id, problem)


def rotate_encryption(session: Session, box: SecretBox) -> int:
    """Re-encrypt every stored key with the newest encryption key; returns the keys rewritten."""
    rewritten = 0
    for row in session.scalars(select(NetworkNotifyService)):
        for column in _KEY_COLUMNS.values():
            sealed = getattr(row, column)
            if sealed is not None:
                setattr(row, column, box.rotate(sealed))
                rewritten += 1
    return rewritten


def _summary(row: NetworkNotifyService, network: Network) -> NotifyServiceSummary:
    return NotifyServiceSummary(
        service_id=row.service_id,
        sending_key=row.sending_key,
        keys_set=tuple(kind for kind, column in _KEY_COLUMNS.items() if getattr(row, column) is not None),
        template_id=network.notify_template_id,
        reply_to_id=network.notify_reply_to_id,
        own_callback_token=row.callback_token_sha256 is not None,
        updated_at=row.updated_at,
        checked_at=row.checked_at,
    )
