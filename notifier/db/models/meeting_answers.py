"""Answers to meeting invitations: one row per meeting and reader, changed in place until the
meeting's answer deadline. `access_needs` is health data: only admins see it, and it is deleted once
the meeting's minutes are out (services/sources/answers.py, the retention run)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notifier.db.base import Base, BigId, IdPk, utcnow
from notifier.db.models.core import enum_type, network_id_column, same_network_fk
from notifier.domain.answers import Answer, Place


class MeetingAnswer(Base):
    __tablename__ = "meeting_answer"
    __table_args__ = (
        UniqueConstraint("meeting_id", "subscriber_id"),
        same_network_fk("meeting_id", "meeting"),
        same_network_fk("subscriber_id", "subscriber"),
        # A place only for a Yes; an offer always has its time limit.
        CheckConstraint("answer = 'yes' OR place IS NULL", name="place_only_for_yes"),
        CheckConstraint("place <> 'offered' OR offer_expires_at IS NOT NULL", name="offer_has_limit"),
        # The waiting list in order, and deleting a subscriber cascades here once per person.
        Index("ix_meeting_answer_meeting_place", "meeting_id", "place", "waiting_since"),
        Index("ix_meeting_answer_network_id_subscriber_id", "network_id", "subscriber_id"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    meeting_id: Mapped[int] = mapped_column(BigId)
    subscriber_id: Mapped[int] = mapped_column(BigId)
    answer: Mapped[Answer] = mapped_column(enum_type(Answer))
    place: Mapped[Place | None] = mapped_column(enum_type(Place))
    waiting_since: Mapped[datetime | None]  # the order of the waiting list
    offer_expires_at: Mapped[datetime | None]
    access_needs: Mapped[str | None] = mapped_column(Text)  # health data: admins only; deleted after minutes
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
