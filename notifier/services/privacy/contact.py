"""The contact form: enquiries stored, forwarded to the network's steering group through Notify, and
deleted 6 months after they arrived (the retention rule `contact_enquiry`).

Forwarding runs from beat (`forward_pending`), outside any transaction while Notify is called. The
Notify reference is `enquiry-<id>`, so an attempt whose outcome was unknown is settled by looking the
reference up before sending again: each enquiry reaches the steering group once. Nothing is lost when
it cannot: without a steering-group address, or when Notify refuses the email, the enquiry waits in the
admin's Enquiries page (`enquiries_admin.py`) and admins are told (`admin/alerts.py`). Setting a new
address forwards again what Notify refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import ContactEnquiry, Network
from notifier.db.session import unit_of_work
from notifier.domain.emails import normalise_email
from notifier.domain.references import ENQUIRY_REFERENCE_PREFIX
from notifier.domain.statuses import Lane
from notifier.gateway.base import EmailRequest, GatewayUnavailable, OutcomeKind
from notifier.ratelimit.base import LimiterUnavailable
from notifier.rendering.markdown import escape_notify_block, escape_notify_inline, plain_text_line
from notifier.repositories import enquiries as enquiry_repo
from notifier.repositories.enquiries import STEERING_GROUP_SETTING, steering_group_address
from notifier.services.common import audit
from notifier.services.delivery.routing import NotifyRouter

MESSAGE_MAX = 5000
FORWARD_BATCH = 50


class EnquiryRefused(ValueError):
    """Keyed by form field: what is wrong, safe to show to the person."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def submit_enquiry(
    session: Session, network: Network, *, name: str, email: str, message: str, now: datetime
) -> ContactEnquiry:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter your name"
    elif len(name.strip()) > 200:
        errors["name"] = "Your name must be 200 characters or fewer"
    address = ""
    try:
        address = normalise_email(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        errors["email"] = "Enter an email address in the correct format, like name@example.gov.uk"
    if not message.strip():
        errors["message"] = "Enter your message"
    elif len(message) > MESSAGE_MAX:
        errors["message"] = f"Your message must be {MESSAGE_MAX:,} characters or fewer"
    if errors:
        raise EnquiryRefused(errors)
    enquiry = ContactEnquiry(
        network_id=network.id, name=name.strip(), email=address, message=message.strip(), received_at=now
    )
    session.add(enquiry)
    session.flush()
    return enquiry


class AddressRefused(ValueError):
    """The steering group's address cannot be used; the message is safe to show."""


def checked_address(address: str) -> str:
    try:
        valid = validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise AddressRefused(
            "Enter the steering group's email address, like steering.group@network.example.gov.uk"
        ) from exc
    return normalise_email(valid)


def set_steering_group_address(session: Session, network: Network, address: str, *, actor: str) -> int:
    """Where enquiries go from now on; enquiries Notify refused are forwarded again. Returns how many."""
    valid = checked_address(address)
    if valid == steering_group_address(network):
        return 0
    network.settings = {**network.settings, STEERING_GROUP_SETTING: valid}
    again = enquiry_repo.retry_refused(session, network.id)
    audit.record(
        session, network.id, actor, "steering_group_address_changed", "network", network.id, again=again
    )
    return again


def forwarding_works(session: Session, network: Network) -> bool:
    """True when an enquiry sent now is expected to reach the steering group by email: the network has
    an address and its last forwarding attempt did not fail. Else it waits in the admin's Enquiries."""
    if steering_group_address(network) is None:
        return False
    last = session.scalars(
        select(ContactEnquiry.forward_failure)
        .where(
            ContactEnquiry.network_id == network.id,
            or_(ContactEnquiry.forwarded_notify_id.is_not(None), ContactEnquiry.forward_failure.is_not(None)),
        )
        .order_by(ContactEnquiry.id.desc())
        .limit(1)
    ).first()
    return last is None


@dataclass(frozen=True)
class _Pending:
    enquiry_id: int
    network_id: int
    request: EmailRequest


def _compose(network: Network, enquiry: ContactEnquiry, to: str) -> EmailRequest:
    body = "\n\n".join(
        [
            f"{escape_notify_inline(enquiry.name)} ({escape_notify_inline(enquiry.email)}) wrote through the "
            f"{escape_notify_inline(network.name)} contact form:",
            "---",
            escape_notify_block(enquiry.message),
            "---",
            "Reply to them directly. We delete this enquiry 6 months after it arrived.",
        ]
    )
    return EmailRequest(
        email_address=to,
        subject=plain_text_line(f"Contact form enquiry to {network.name}"),
        body=body,
        reference=f"{ENQUIRY_REFERENCE_PREFIX}{enquiry.id}",
        email_reply_to_id=network.notify_reply_to_id,
    )


def _pending(sessions: sessionmaker[Session]) -> list[_Pending]:
    with unit_of_work(sessions) as uow:
        return [
            _Pending(enquiry.id, network.id, _compose(network, enquiry, str(steering_group_address(network))))
            for enquiry, network in enquiry_repo.to_forward(uow.session, FORWARD_BATCH)
        ]


def forward_pending(sessions: sessionmaker[Session], router: NotifyRouter) -> int:
    """Forward enquiries not yet with Notify, each through its network's service; returns how many
    Notify now holds. Opens its own short units of work: none may be open while Notify is called."""
    forwarded = 0
    for item in _pending(sessions):
        route = router.route(item.network_id)
        gateway, limiter = route.gateway, route.limiter
        try:
            found = gateway.find_by_reference(item.request.reference)
        except GatewayUnavailable:
            return forwarded  # Notify cannot say now: the next beat tries again
        notify_id = found.notify_id if found else None
        if notify_id is None:
            try:
                if limiter.acquire(Lane.TRANSACTIONAL) > 0:
                    return forwarded  # no token now: the next beat tries again
            except LimiterUnavailable:
                return forwarded  # never send unthrottled
            outcome = gateway.send(item.request)
            notify_id = outcome.notify_id if outcome.kind is OutcomeKind.ACCEPTED else None
            if outcome.kind is OutcomeKind.PERMANENT:  # sending again cannot help: it waits for an admin
                with unit_of_work(sessions) as uow:
                    reason = f"Notify refused it: {outcome.reason or 'no reason given'}"
                    enquiry_repo.record_failure(uow.session, item.enquiry_id, reason, utcnow())
        if notify_id is not None:
            with unit_of_work(sessions) as uow:
                uow.session.get_one(ContactEnquiry, item.enquiry_id).forwarded_notify_id = notify_id
            forwarded += 1
    return forwarded
