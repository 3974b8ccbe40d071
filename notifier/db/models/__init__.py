"""Every table, one module per area; importing this package registers them all on the metadata."""

from notifier.db.models.core import (
    ConsentEvent,
    Delivery,
    Event,
    Message,
    Network,
    Subscriber,
    Subscription,
    Suppression,
    Topic,
)

__all__ = [
    "ConsentEvent",
    "Delivery",
    "Event",
    "Message",
    "Network",
    "Subscriber",
    "Subscription",
    "Suppression",
    "Topic",
]
