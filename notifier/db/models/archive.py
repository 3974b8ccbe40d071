"""The members' archive: one item per bulk email a network sent (as its template renders it, never a
reader's copy), the topics it went to, and its readers' sign-in links, sessions and private feeds.

Search needs what the models cannot describe on both databases: PostgreSQL has a stored tsvector of
the item's text (a generated column) with a GIN index on it (migration 0023), SQLite an FTS5 table
(`archive_item_fts`) that triggers keep in step with `archive_item` (migration 0020). The
ARCHIVE_SEARCH_* names below are what the models leave out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, PrimaryKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notifier.db.base import Base, BigId, IdPk, utcnow
from notifier.db.models.core import network_id_column, same_network_fk

# What PostgreSQL's GIN index and the SQLite FTS5 table read: the same words on both databases.
SEARCH_LANGUAGE = "english"
# SQLite's FTS5 table (with its shadow tables) and PostgreSQL's GIN index: not in the models, so a
# comparison of the schema with the models leaves them out.
ARCHIVE_SEARCH_TABLES = frozenset(
    {f"archive_item_fts{suffix}" for suffix in ("", "_data", "_idx", "_content", "_docsize", "_config")}
)
ARCHIVE_SEARCH_INDEX = "ix_archive_item_search"
ARCHIVE_SEARCH_VECTOR = "search_vector"  # archive_item's generated tsvector column, on PostgreSQL only


class ArchiveItem(Base):
    """One bulk email of a network as everyone got it, without any reader's name, token or links."""

    __tablename__ = "archive_item"
    __table_args__ = (
        UniqueConstraint("network_id", "source_key"),
        UniqueConstraint("network_id", "id"),
        Index("ix_archive_item_network_id_sent_at", "network_id", "sent_at"),
        CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_by IS NULL)", name="withdrawal_named"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    # What it archives: "event:<id>" (a page, an announcement, minutes) or "meeting:<id>" (a meeting's
    # invitation as the meeting now stands, refreshed by each update and the cancellation).
    source_key: Mapped[str] = mapped_column(String(100))
    email_kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(500))
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what the email's template needs
    # The words a search finds it by: the title on the first line, then the body's (excerpts show those).
    search_text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(60))  # an audit actor
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500))


class ArchiveItemTopic(Base):
    """A topic an item went to: its subscribers (members, for a members-only topic) may read it."""

    __tablename__ = "archive_item_topic"
    __table_args__ = (
        PrimaryKeyConstraint("item_id", "topic_id"),
        same_network_fk("item_id", "archive_item"),
        same_network_fk("topic_id", "topic"),
        Index("ix_archive_item_topic_topic_id_item_id", "topic_id", "item_id"),
    )

    network_id: Mapped[int] = mapped_column(BigId)
    item_id: Mapped[int] = mapped_column(BigId)
    topic_id: Mapped[int] = mapped_column(BigId)


class ArchiveSignInLink(Base):
    """One emailed sign-in link for a reader: used once (claimed conditionally), until expires_at."""

    __tablename__ = "archive_sign_in_link"
    __table_args__ = (same_network_fk("subscriber_id", "subscriber"),)

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    subscriber_id: Mapped[int] = mapped_column(BigId, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ArchiveSession(Base):
    """A reader's signed-in browser: the cookie holds a random secret, the row only its SHA-256."""

    __tablename__ = "archive_session"
    __table_args__ = (same_network_fk("subscriber_id", "subscriber"),)

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    subscriber_id: Mapped[int] = mapped_column(BigId, index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ArchiveFeed(Base):
    """A reader's private Atom feed: its signed address names this row, and revoking it ends it."""

    __tablename__ = "archive_feed"
    __table_args__ = (same_network_fk("subscriber_id", "subscriber"),)

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    subscriber_id: Mapped[int] = mapped_column(BigId, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
