"""Sending email through GOV.UK Notify: the EmailGateway Protocol and its Notify implementation."""

from notifier.gateway.base import (
    EmailGateway,
    EmailRequest,
    GatewayUnavailable,
    NotificationRecord,
    OutcomeKind,
    SendOutcome,
)
from notifier.gateway.notify import NotifyGateway, build_gateway

__all__ = [
    "EmailGateway",
    "EmailRequest",
    "GatewayUnavailable",
    "NotificationRecord",
    "NotifyGateway",
    "OutcomeKind",
    "SendOutcome",
    "build_gateway",
]
