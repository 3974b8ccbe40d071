"""Contact-form enquiries as the steering group handles them in the admin web: the list (those waiting
for a reply here first, or every enquiry held), each enquiry with a reply-by-email link, and closing
one. Viewing and closing are audited with ids only.

Replies are written in the admin's own mail program (a `mailto:` link with the subject and the message
quoted), not sent through Notify: a reply from a person's own mailbox is what someone who wrote to a
steering group expects, their answer comes back to that mailbox, and the steering group keeps the
conversation; a reply through Notify would come from a no-reply address and leave no copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote

from sqlalchemy import func, select

from notifier.db.models import ContactEnquiry, Network
from notifier.repositories import enquiries as enquiry_repo
from notifier.services.common import audit
from notifier.services.common.scope import NetworkScope

PAGE_SIZE = 50
QUOTE_MAX = 1500  # mail programs refuse very long mailto: links; the rest is on the enquiry's page


class Show(StrEnum):
    WAITING = "waiting"
    ALL = "all"


class EnquiryState(StrEnum):
    WAITING_NO_ADDRESS = "waiting_no_address"
    NOT_FORWARDED = "not_forwarded"
    BEING_FORWARDED = "being_forwarded"
    FORWARDED = "forwarded"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def waiting(self) -> bool:
        return self in (EnquiryState.WAITING_NO_ADDRESS, EnquiryState.NOT_FORWARDED)


STATE_LABELS = {
    EnquiryState.WAITING_NO_ADDRESS: "Waiting: no steering-group address is set",
    EnquiryState.NOT_FORWARDED: "Waiting: forwarding failed",
    EnquiryState.BEING_FORWARDED: "Being forwarded",
    EnquiryState.FORWARDED: "Forwarded by email",
    EnquiryState.CLOSED: "Closed",
}


def state_of(enquiry: ContactEnquiry, network: Network) -> EnquiryState:
    if enquiry.closed_at is not None:
        return EnquiryState.CLOSED
    if enquiry.forward_failure is not None:
        return EnquiryState.NOT_FORWARDED
    if enquiry.forwarded_notify_id is not None:
        return EnquiryState.FORWARDED
    if enquiry_repo.steering_group_address(network) is None:
        return EnquiryState.WAITING_NO_ADDRESS
    return EnquiryState.BEING_FORWARDED


@dataclass(frozen=True)
class EnquiryRow:
    enquiry: ContactEnquiry
    state: EnquiryState


@dataclass(frozen=True)
class EnquiryPage:
    rows: list[EnquiryRow]
    total: int
    page: int
    pages: int
    show: Show
    address: str | None


def enquiry_list(scope: NetworkScope, *, show: str, page: int) -> EnquiryPage:
    """Newest first; `waiting` lists only the open enquiries nobody will forward."""
    chosen = Show(show) if show in Show._value2member_map_ else Show.WAITING
    network = scope.network
    statement = scope.rows(ContactEnquiry)
    if chosen is Show.WAITING:
        statement = statement.where(
            ContactEnquiry.closed_at.is_(None), enquiry_repo.waiting_condition(network)
        )
    total = scope.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    found = scope.session.scalars(
        statement.order_by(ContactEnquiry.received_at.desc(), ContactEnquiry.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    rows = [EnquiryRow(e, state_of(e, network)) for e in found]
    return EnquiryPage(rows, total, page, pages, chosen, enquiry_repo.steering_group_address(network))


@dataclass(frozen=True)
class EnquiryView:
    enquiry: ContactEnquiry
    state: EnquiryState
    reply_url: str
    paragraphs: list[str]


def reply_link(enquiry: ContactEnquiry, network: Network) -> str:
    """A `mailto:` link: the person's address, "Re:" the network, and their message quoted."""
    quoted = enquiry.message if len(enquiry.message) <= QUOTE_MAX else enquiry.message[:QUOTE_MAX] + " [...]"
    stamp = enquiry.received_at.strftime("%d %b %Y")
    body = f"\n\n---\nOn {stamp}, {enquiry.name} wrote:\n" + "\n".join(
        f"> {line}" for line in quoted.splitlines()
    )
    subject = f"Re: your message to {network.name}"
    return f"mailto:{quote(enquiry.email, safe='@')}?subject={quote(subject)}&body={quote(body)}"


def view_enquiry(scope: NetworkScope, enquiry_id: int, *, actor: str) -> EnquiryView:
    """One enquiry, audited as viewed; NotFound when not this network's."""
    enquiry = scope.get(ContactEnquiry, enquiry_id, what="enquiry")
    audit.record(scope.session, scope.network_id, actor, "enquiry_viewed", "contact_enquiry", enquiry.id)
    paragraphs = [p.strip() for p in enquiry.message.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return EnquiryView(
        enquiry, state_of(enquiry, scope.network), reply_link(enquiry, scope.network), paragraphs
    )


def close_enquiry(scope: NetworkScope, enquiry_id: int, *, actor: str, now: datetime) -> bool:
    """Mark it dealt with (replied to, or nothing to do); False when it was already closed."""
    enquiry = scope.get(ContactEnquiry, enquiry_id, what="enquiry")
    if enquiry.closed_at is not None:
        return False
    enquiry.closed_at, enquiry.closed_by = now, actor
    audit.record(scope.session, scope.network_id, actor, "enquiry_closed", "contact_enquiry", enquiry.id)
    return True
