"""Tables of the event sources: pages seen by the publish hook, meetings, announcements, digest runs,
admin API tokens and the audit trail. Same conventions as core: network_id on every row and
(network_id, id) foreign keys, so nothing links across networks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from notifier.db.base import Base, BigId, IdPk, utcnow
from notifier.db.models.core import enum_type, network_id_column, partial_index, same_network_fk
from notifier.domain.sign_off import ApprovalKind, ApprovalStatus
from notifier.domain.sources import AdminRole, AnnouncementStatus, MeetingStatus, PageOutcome
from notifier.domain.statuses import Frequency


class ContentPage(Base):
    """A page of the network's site notifier knows: the site's state lives here, not in git history.

    A page is new only when no row has its URL. `revision` is the hash of its content as last seen;
    `email` what its email needs (title, summary, date, event...), so an admin can send it on purpose;
    `seen_at` when a list last had it, and `gone_at` set when a whole list no longer has it.
    """

    __tablename__ = "content_page"
    __table_args__ = (UniqueConstraint("network_id", "url"), UniqueConstraint("network_id", "id"))

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    url: Mapped[str] = mapped_column(String(500))
    revision: Mapped[str] = mapped_column(String(100))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    path: Mapped[str] = mapped_column(String(500), default="")
    collection: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    page_date: Mapped[datetime | None]
    outcome: Mapped[PageOutcome] = mapped_column(enum_type(PageOutcome), default=PageOutcome.SENT)
    note: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seen_at: Mapped[datetime | None]
    gone_at: Mapped[datetime | None]


class Meeting(Base):
    __tablename__ = "meeting"
    __table_args__ = (
        UniqueConstraint("network_id", "id"),
        Index("ix_meeting_due", "status", "start_at"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    uid: Mapped[str] = mapped_column(String(200), unique=True)  # the calendar UID, kept for ever
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # raised by each update and the cancel
    title: Mapped[str] = mapped_column(String(300))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")  # shown only via our join page
    agenda: Mapped[str] = mapped_column(Text, default="")
    topic_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[MeetingStatus] = mapped_column(enum_type(MeetingStatus))
    reminder_minutes: Mapped[int] = mapped_column(Integer)
    reminder_sent_at: Mapped[datetime | None]
    # When the email giving the current start went (the invitation, or the update that moved it): a
    # reminder due less than an hour after it is not sent. None on meetings made before it was kept.
    time_announced_at: Mapped[datetime | None]
    # Answers (RSVP, services/sources/answers.py): taken until this time (the start when None), a Yes
    # holds one of `capacity` places (no limit when None), and an optional question ("" for none)
    # whose answers are health data.
    answers_until: Mapped[datetime | None]
    capacity: Mapped[int | None] = mapped_column(Integer)
    access_question: Mapped[str] = mapped_column(String(300), default="")
    minutes_event_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MeetingInvitee(Base):
    __tablename__ = "meeting_invitee"
    __table_args__ = (
        UniqueConstraint("meeting_id", "subscriber_id"),
        same_network_fk("meeting_id", "meeting"),
        same_network_fk("subscriber_id", "subscriber"),
        # Deleting a subscriber cascades here, once per person: the check needs an index on the key.
        Index("ix_meeting_invitee_network_id_subscriber_id", "network_id", "subscriber_id"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    meeting_id: Mapped[int] = mapped_column(BigId)
    subscriber_id: Mapped[int] = mapped_column(BigId)


class ApiToken(Base):
    """An admin API token, for automation: only its SHA-256 is stored; the holder's address is for test
    sends (erasing the holder clears it). It names the admin who made it, so the audit shows its label
    and that person; a token never approves anything."""

    __tablename__ = "api_token"
    __table_args__ = (UniqueConstraint("network_id", "id"),)

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[AdminRole] = mapped_column(enum_type(AdminRole))
    label: Mapped[str] = mapped_column(String(100))
    holder_email: Mapped[str] = mapped_column(String(320))  # "" once the holder is erased
    # Retired by 0022: the web admin a token made for them acted for (those tokens are revoked).
    # No foreign key: admin_member.acting_token_id already points here.
    acting_admin_id: Mapped[int | None] = mapped_column(BigId)
    # The admin who made it (admin_member id); removing them revokes it. No foreign key: the id
    # outlives an erased admin's row, as in audit records. None only for tokens made before 0022 by
    # the command line.
    created_by_admin_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class Announcement(Base):
    __tablename__ = "announcement"
    __table_args__ = (
        UniqueConstraint("network_id", "id"),
        same_network_fk("topic_id", "topic"),
        same_network_fk("content_page_id", "content_page"),
        same_network_fk("meeting_id", "meeting"),
        Index("ix_announcement_due", "status", "send_at"),
        # To a topic's subscribers, or to the people coming to a meeting: never both, never neither.
        CheckConstraint("(topic_id IS NULL) <> (meeting_id IS NULL)", name="one_audience"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    topic_id: Mapped[int | None] = mapped_column(BigId)
    meeting_id: Mapped[int | None] = mapped_column(BigId, index=True)  # its Yes list (migration 0019)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[AnnouncementStatus] = mapped_column(enum_type(AnnouncementStatus))
    author_token_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("api_token.id", ondelete="SET NULL")
    )
    # Before 0018 a token approved; kept as history. Now only people approve (approved_by_admin_id).
    approver_token_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("api_token.id", ondelete="SET NULL")
    )
    # The people (admin_member ids; no foreign key, like audit records): who wrote it (through a token,
    # the token's maker; from the command line, the admin it names) and who approved it in the web admin.
    author_admin_id: Mapped[int | None] = mapped_column(BigId)
    approved_by_admin_id: Mapped[int | None] = mapped_column(BigId)
    asked_by: Mapped[str | None] = mapped_column(String(60))  # the audit actor who wrote it (from 0022)
    send_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A known page of the site sent again on purpose: its content email, through the same sign-off.
    content_page_id: Mapped[int | None] = mapped_column(BigId)


class AnnouncementTopic(Base):
    """Each topic an announcement goes to (migration 0024). `announcement.topic_id` is the first of them,
    kept for its one-audience check and the admin API's single-topic shape. Each reader still gets one
    email: the send is one event, and a delivery is unique per event and person."""

    __tablename__ = "announcement_topic"
    __table_args__ = (
        PrimaryKeyConstraint("announcement_id", "topic_id"),
        same_network_fk("announcement_id", "announcement"),
        same_network_fk("topic_id", "topic"),
        Index("ix_announcement_topic_topic_id", "topic_id"),
    )

    network_id: Mapped[int] = mapped_column(BigId)
    announcement_id: Mapped[int] = mapped_column(BigId)
    topic_id: Mapped[int] = mapped_column(BigId)


class ApprovalRequest(Base):
    """Bulk email (or a sign-off setting) waiting for a second person on a sign-off network: what to do
    once approved (`payload`), who asked, and who decided. Announcements keep their own status instead.

    At most one request waits per meeting, and one sign-off setting change per network."""

    __tablename__ = "approval_request"
    __table_args__ = (
        UniqueConstraint("network_id", "id"),
        same_network_fk("meeting_id", "meeting"),
        partial_index(
            "uq_approval_request_waiting_meeting",
            "meeting_id",
            where="status = 'awaiting' AND meeting_id IS NOT NULL",
            unique=True,
        ),
        partial_index(
            "uq_approval_request_waiting_setting",
            "network_id",
            where="status = 'awaiting' AND kind = 'sign_off_setting'",
            unique=True,
        ),
        Index("ix_approval_request_network_id_status", "network_id", "status"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    kind: Mapped[ApprovalKind] = mapped_column(enum_type(ApprovalKind))
    status: Mapped[ApprovalStatus] = mapped_column(enum_type(ApprovalStatus))
    meeting_id: Mapped[int | None] = mapped_column(BigId)
    title: Mapped[str] = mapped_column(String(300))  # what the lists show
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    asked_by: Mapped[str] = mapped_column(String(60))  # the audit actor who asked
    # The person behind the ask (no foreign key: ids outlive an erased admin, as in audit records); only
    # someone else may decide. None: a token made before 0022 with no known maker.
    asked_by_admin_id: Mapped[int | None] = mapped_column(BigId)
    decided_by_admin_id: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestRun(Base):
    """One digest period of one frequency: its message holds one delivery per subscriber."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("network_id", "frequency", "period_start"),)

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    frequency: Mapped[Frequency] = mapped_column(enum_type(Frequency))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    message_id: Mapped[int | None] = mapped_column(BigId)
    # False on runs made before digests recorded their entries (migration 0016): items up to their
    # end were listed the old way, so the entries never reach back past them.
    lists_items: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestEntry(Base):
    """One item (a page, minutes) or meeting event in one reader's digest: each reader gets each item
    in exactly one email, so a (subscriber, event) pair is in at most one digest, and an item the
    reader was sent at once (a delivery of its event) is never listed."""

    __tablename__ = "digest_entry"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "event_id"),
        same_network_fk("subscriber_id", "subscriber"),
        same_network_fk("event_id", "event"),
        same_network_fk("message_id", "message"),
        # Composing reads one reader's entries of one digest.
        Index("ix_digest_entry_message_subscriber", "message_id", "subscriber_id"),
        # Deleting a subscriber cascades here, once per person: the check needs an index on the key.
        Index("ix_digest_entry_network_id_subscriber_id", "network_id", "subscriber_id"),
        Index("ix_digest_entry_network_id_event_id", "network_id", "event_id"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    subscriber_id: Mapped[int] = mapped_column(BigId)
    event_id: Mapped[int] = mapped_column(BigId)
    message_id: Mapped[int] = mapped_column(BigId)  # the digest it is listed in
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditRecord(Base):
    """Who did what to which object, when. Ids and action names only: never a name or an address."""

    __tablename__ = "audit_record"
    __table_args__ = (Index("ix_audit_record_network_time", "network_id", "occurred_at"),)

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    actor: Mapped[str] = mapped_column(String(60))  # "token:12" or "cli"
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(BigId)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
