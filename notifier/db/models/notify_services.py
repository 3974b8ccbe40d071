"""A network's own GOV.UK Notify service: its keys (encrypted), which key sends, and the callback bearer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notifier.config import NotifyKeyType
from notifier.db.base import Base, BigId, utcnow
from notifier.db.models.core import enum_type


class NetworkNotifyService(Base):
    """At most one per network; a network without one sends through the deployment's service."""

    __tablename__ = "network_notify_service"

    network_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("network.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[str] = mapped_column(String(36), index=True)  # read from the keys; not a secret
    sending_key: Mapped[NotifyKeyType] = mapped_column(enum_type(NotifyKeyType))
    # Fernet tokens (services/common/secrets_at_rest.py); never shown again once entered.
    api_key_live: Mapped[str | None] = mapped_column(Text)
    api_key_team: Mapped[str | None] = mapped_column(Text)
    api_key_test: Mapped[str | None] = mapped_column(Text)
    # SHA-256 of the bearer token Notify sends with this service's callbacks; None: the deployment's.
    callback_token_sha256: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime | None]  # when "check connection" last succeeded
