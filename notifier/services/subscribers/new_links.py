"""A new link for someone whose unsubscribe or preferences link is damaged or too old.

The person gives their address; if it belongs to an active subscriber of the network, a one-person
transactional email (`new_links`) carries a fresh preferences link, from which every email can be
stopped. The page says the same whether or not the address is held, so nobody learns who subscribes.
"""

from __future__ import annotations

from datetime import datetime

from notifier.db.models import Network
from notifier.db.session import UnitOfWork
from notifier.domain.statuses import SubscriberStatus
from notifier.rendering.emails import EmailKind
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.common.ports import TaskQueue
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.subscribers.addresses import AddressRejected, checked_work_email


def send_new_link(
    uow: UnitOfWork, queue: TaskQueue, network: Network, address: str, links: LinkBuilder, now: datetime
) -> int | None:
    """Queue the email when the address is an active subscriber's; the message id, or None.

    Raises AddressRejected (a clear message for the `email` field) when the address is not one this
    network could hold at all."""
    if not address.strip():
        raise AddressRejected("Enter your email address")
    email = checked_work_email(network, address)
    subscriber = subscriber_repo.get_subscriber_by_email(uow.session, network.id, email)
    if subscriber is None or subscriber.status is not SubscriberStatus.ACTIVE:
        return None
    manage_url = links.manage_url(SubscriberRef(network.id, subscriber.id))
    message = queue_one_email(
        uow, queue, subscriber, EmailKind.NEW_LINKS, {"manage_url": manage_url}, now=now
    )
    return message.id
