"""Telling admins by email that something waits for them in the web admin: an announcement or other
email to approve, a sign-off setting to confirm, a request to join, a data-subject request, a message
from the contact form that nobody will forward (no steering-group address, or forwarding failed). Each
admin hears about each kind at most once a day; a data-subject request within URGENT_DAYS of its
deadline (or past it) is urgent and may be repeated every URGENT_EVERY, and a contact-form message
newer than the last alert is told within NEW_ENQUIRY_EVERY. One email per admin lists every kind that
is due; counts only, never a name.

Run by beat with the event sources (workers/tasks/sources.py); every step is idempotent, and the
`admin_alert` rows are written in the same transaction as the emails are queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.models import AdminAlert, AdminMember, Network
from notifier.db.session import UnitOfWork
from notifier.domain.sources import AdminRole
from notifier.rendering.emails import EmailKind
from notifier.repositories import admins as admin_repo
from notifier.services.admin.dashboard import waiting
from notifier.services.common import audit
from notifier.services.common.ports import TaskQueue
from notifier.services.delivery.direct_sends import queue_one_email

DAILY = timedelta(days=1)
URGENT_EVERY = timedelta(hours=4)
URGENT_DAYS = 3
NEW_ENQUIRY_EVERY = timedelta(hours=1)


class AlertKind(StrEnum):
    ANNOUNCEMENT = "announcement"
    APPROVAL = "approval"  # meetings, minutes and pages waiting for a second person
    SETTING = "setting"  # a sign-off setting waiting for a second admin
    MEMBERSHIP = "membership"
    DATA_REQUEST = "data_request"
    ENQUIRY = "enquiry"


NEEDS = {
    AlertKind.ANNOUNCEMENT: AdminRole.APPROVER,
    AlertKind.APPROVAL: AdminRole.APPROVER,
    AlertKind.SETTING: AdminRole.ADMIN,
    AlertKind.MEMBERSHIP: AdminRole.APPROVER,
    AlertKind.DATA_REQUEST: AdminRole.ADMIN,
    AlertKind.ENQUIRY: AdminRole.APPROVER,
}


@dataclass(frozen=True)
class Waiting:
    count: int
    urgent: bool
    line: str
    newest: datetime | None = None  # the newest contact-form message waiting


def _enquiry_line(count: int, address: str | None) -> str:
    messages = f"{count} {'message' if count == 1 else 'messages'} from the contact form"
    if address is None:
        return f"{messages} waiting in Enquiries: no address is set to forward them to"
    return f"{messages} waiting in Enquiries: forwarding to the steering group's address failed"


def _waiting(session: Session, network: Network, now: datetime) -> dict[AlertKind, Waiting]:
    found = waiting(session, network.id, now)
    urgent = [r for r in found.requests if r.days_left <= URGENT_DAYS]
    requests = len(found.requests)
    request_line = f"{requests} data-subject {'request' if requests == 1 else 'requests'}"
    if urgent:
        soonest = min(r.days_left for r in urgent)
        request_line += (
            " (one is overdue)" if soonest < 0 else f" (one is due within {max(soonest, 0) + 1} days)"
        )
    plural = "" if found.announcements == 1 else "s"
    return {
        AlertKind.ANNOUNCEMENT: Waiting(
            found.announcements, False, f"{found.announcements} announcement{plural} to approve"
        ),
        AlertKind.APPROVAL: Waiting(
            found.emails,
            False,
            f"{found.emails} other {'email' if found.emails == 1 else 'emails'} to approve",
        ),
        AlertKind.SETTING: Waiting(found.settings, False, "a change of the sign-off setting to confirm"),
        AlertKind.MEMBERSHIP: Waiting(
            found.memberships,
            False,
            f"{found.memberships} request{'' if found.memberships == 1 else 's'} to join",
        ),
        AlertKind.DATA_REQUEST: Waiting(requests, bool(urgent), request_line),
        AlertKind.ENQUIRY: Waiting(
            found.enquiries,
            False,
            _enquiry_line(found.enquiries, found.steering_group_address),
            found.newest_enquiry,
        ),
    }


def _due(item: Waiting, last: datetime | None, now: datetime) -> bool:
    if last is None:
        return True
    if item.newest is not None and item.newest > last:
        return now - last >= NEW_ENQUIRY_EVERY
    return now - last >= (URGENT_EVERY if item.urgent else DAILY)


def alert_waiting(uow: UnitOfWork, queue: TaskQueue, public_base_url: str, now: datetime) -> int:
    """Queue the due alerts of every network, in the caller's unit of work; how many emails."""
    sent = 0
    session = uow.session
    for network in session.scalars(select(Network).order_by(Network.id)):
        kinds = _waiting(session, network, now)
        if not any(item.count for item in kinds.values()):
            continue
        for member, person in admin_repo.live_team(session, network.id):
            last = _last_sent(session, member)
            due = [
                kind
                for kind, item in kinds.items()
                if item.count and member.role.allows(NEEDS[kind]) and _due(item, last.get(kind), now)
            ]
            if not due:
                continue
            context = {
                "lines": [kinds[kind].line for kind in due],
                "admin_url": f"{public_base_url.rstrip('/')}/admin/{network.slug}",
            }
            queue_one_email(uow, queue, person, EmailKind.ADMIN_WAITING, context, now=now)
            for kind in due:
                _mark_sent(session, member, kind, now)
            audit.record(
                session, network.id, "service", "admin_alerted", "admin_member", member.id,
                kinds=",".join(sorted(due)),
            )  # fmt: skip
            sent += 1
    return sent


def _last_sent(session: Session, member: AdminMember) -> dict[str, datetime]:
    rows = session.scalars(select(AdminAlert).where(AdminAlert.admin_id == member.id))
    return {row.kind: row.last_sent_at for row in rows}


def _mark_sent(session: Session, member: AdminMember, kind: AlertKind, now: datetime) -> None:
    row = session.scalars(
        select(AdminAlert).where(AdminAlert.admin_id == member.id, AdminAlert.kind == kind.value)
    ).one_or_none()
    if row is None:
        session.add(
            AdminAlert(network_id=member.network_id, admin_id=member.id, kind=kind.value, last_sent_at=now)
        )
    else:
        row.last_sent_at = now
