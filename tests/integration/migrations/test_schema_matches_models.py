"""The migrations and the models describe the same schema, and every step goes down and up again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session, sessionmaker

from notifier.db import migrate
from notifier.db.base import Base, utcnow
from notifier.db.models import (  # (registers every table)
    AdminMember,
    AdminSession,
    Announcement,
    AnnouncementTopic,
    ApiToken,
    ArchiveItem,
    Network,
    Subscriber,
)
from notifier.db.models.archive import ARCHIVE_SEARCH_INDEX, ARCHIVE_SEARCH_TABLES, ARCHIVE_SEARCH_VECTOR
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole, AnnouncementStatus
from notifier.domain.statuses import SubscriberStatus
from notifier.repositories import archive as archive_repo
from notifier.services.admin.invitations import invite_admin
from tests.support.seeding import HASH_KEY, network_with_topics, subscriber

# The tables each revision adds: going down past it removes exactly these.
TABLES_BY_REVISION = {
    "0002": {"consent_text", "signup", "membership", "form_attempt"},
    "0003": {"content_page", "meeting", "meeting_invitee", "api_token", "announcement", "digest_run",
             "audit_record"},
    "0005": {"retention_rule", "retention_evidence", "data_request", "contact_enquiry"},
    "0006": set(),
    "0007": {"admin_member", "admin_sign_in_link", "admin_session", "admin_alert"},
    "0010": set(),
    "0011": set(),
    "0012": {"fanout_slice"},
    "0013": set(),
    "0014": set(),
    "0015": {"delivery_tally"},
    "0016": {"meeting_answer", "digest_entry"},
    "0017": set(),
    "0018": set(),
    "0019": set(),
    "0020": {"archive_item", "archive_item_topic", "archive_sign_in_link", "archive_session", "archive_feed",
             "archive_item_fts"},
    "0021": set(),
    "0022": {"approval_request", "access_review"},
    "0023": set(),
    "0024": {"announcement_topic"},
    "0025": set(),
}  # fmt: skip
# The columns a revision adds to tables that were there before it.
COLUMNS_BY_REVISION = {
    "0006": {("subscriber", "pending_email")},
    "0010": {("api_token", "acting_admin_id")},
    "0016": {("meeting", c) for c in ("time_announced_at", "answers_until", "capacity", "access_question")}
    | {("digest_run", "lists_items")},
    "0017": {("api_token", "created_by_admin_id")},
    "0018": {
        ("network", "site_connected_at"),
        ("network", "site_timezone"),
        ("announcement", "content_page_id"),
    }
    | {("content_page", c) for c in ("path", "collection", "title", "page_date", "outcome", "note", "email")}
    | {("content_page", "seen_at"), ("content_page", "gone_at")},
    "0019": {("announcement", "meeting_id")},
    "0021": {
        ("contact_enquiry", c) for c in ("forward_failure", "forward_failed_at", "closed_at", "closed_by")
    }
    | {("signup", "reminded_at"), ("consent_event", "reason")},
    "0022": {("announcement", "approved_by_admin_id"), ("admin_member", "term_ends_at"),
             ("admin_member", "suspended_at"), ("admin_session", "email_hash")},
    "0025": {("data_request", c) for c in ("arrived_by", "recorded_by_admin_id", "identity_check")},
}  # fmt: skip
# The columns a revision adds on PostgreSQL only (the archive's search: SQLite has its FTS5 table).
POSTGRES_COLUMNS_BY_REVISION = {"0023": {("archive_item", ARCHIVE_SEARCH_VECTOR)}}


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _columns(url: str, table: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {c["name"] for c in sa.inspect(conn).get_columns(table)}
    finally:
        engine.dispose()


def _described_by_models(name: str | None, kind: str, _parent: object) -> bool:
    """The archive's search structures are the one thing the models cannot describe on both databases
    (db/models/archive.py); everything else is compared."""
    if kind == "table":
        return name not in ARCHIVE_SEARCH_TABLES
    if kind == "column":
        return name != ARCHIVE_SEARCH_VECTOR
    return not (kind == "index" and name == ARCHIVE_SEARCH_INDEX)


def test_migrated_schema_equals_the_models(sessions: sessionmaker[Session]) -> None:
    """`sessions` are on a copy of the run's migrated template."""
    with sessions() as session:
        opts = {"compare_type": True, "include_name": _described_by_models}
        context = MigrationContext.configure(session.connection(), opts=opts)
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], differences


def test_history_is_one_line(database_kind: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(f"{database_kind}://"))  # no database read
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"


@pytest.mark.parametrize("revision", sorted(TABLES_BY_REVISION))
def test_each_revision_goes_down_and_up_again(isolated_database_url: str, revision: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(isolated_database_url))
    parent = script.get_revision(revision).down_revision
    assert isinstance(parent, str)
    later = {t for r, tables in TABLES_BY_REVISION.items() if r > revision for t in tables}
    added = COLUMNS_BY_REVISION.get(revision, set())
    if isolated_database_url.startswith("postgresql"):
        added = added | POSTGRES_COLUMNS_BY_REVISION.get(revision, set())
    before = _tables(isolated_database_url)
    migrate.downgrade(isolated_database_url, parent)
    after = _tables(isolated_database_url)
    assert not (TABLES_BY_REVISION[revision] | later) & after
    assert {"network", "subscriber", "delivery"} <= after
    for table, column in added:
        assert column not in _columns(isolated_database_url, table)
    migrate.upgrade(isolated_database_url)
    assert _tables(isolated_database_url) == before
    for table, column in added:
        assert column in _columns(isolated_database_url, table)


def test_everything_down_to_nothing_and_back(isolated_database_url: str) -> None:
    migrate.downgrade(isolated_database_url, "base")
    assert _tables(isolated_database_url) <= {"alembic_version"}
    migrate.upgrade(isolated_database_url)
    assert {"network", "delivery", "data_request"} <= _tables(isolated_database_url)


def test_0010_names_acting_tokens_admins_and_starts_removed_admins_clocks(
    isolated_database_url: str, isolated_sessions: sessionmaker[Session]
) -> None:
    """Rows made before 0010: an acting token learns its admin; an admin removed before removal marked
    people left, with nothing else active, is marked left at their removal."""
    removed_at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with unit_of_work(isolated_sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        kept = invite(uow.session, network, "kept@justice.gov.uk")
        gone = invite(uow.session, network, "gone@justice.gov.uk")
        reader = invite(uow.session, network, "reader@justice.gov.uk")
        subscriber(uow.session, network, "reader@justice.gov.uk", [news])
        token_id = _acting_token(uow.session, kept)
        gone.removed_at = reader.removed_at = removed_at
        ids = {"kept": kept.subscriber_id, "gone": gone.subscriber_id, "reader": reader.subscriber_id}
        kept_id = kept.id
    migrate.downgrade(isolated_database_url, "0009")
    migrate.upgrade(isolated_database_url)
    with unit_of_work(isolated_sessions) as uow:
        assert uow.session.get_one(ApiToken, token_id).acting_admin_id == kept_id
        states = {k: uow.session.get_one(Subscriber, i) for k, i in ids.items()}
        assert (states["gone"].status, states["gone"].left_at) == (SubscriberStatus.LEFT, removed_at)
        assert states["kept"].status is SubscriberStatus.ACTIVE  # still an admin
        assert states["reader"].status is SubscriberStatus.ACTIVE  # still subscribes


def invite(session: Session, network: Network, email: str) -> AdminMember:
    return invite_admin(session, network, email=email, name="Pat Admin", role=AdminRole.EDITOR,
                        invited_by="cli", hash_key=HASH_KEY, now=utcnow())  # fmt: skip


def _acting_token(session: Session, admin: AdminMember) -> int:
    """A token made for a web admin to act through, as the web admin made them before 0022."""
    token = ApiToken(network_id=admin.network_id, token_hash=f"{admin.id:064d}", role=admin.role,
                     label=f"web admin {admin.id}", holder_email="kept@justice.gov.uk")  # fmt: skip
    session.add(token)
    session.flush()
    admin.acting_token_id = token.id
    return token.id


def test_0022_names_the_people_behind_acting_tokens_and_keeps_last_sign_ins(
    isolated_database_url: str, isolated_sessions: sessionmaker[Session]
) -> None:
    """Rows made before 0022: an acting token is revoked and names its admin as its maker; the
    announcements it wrote and approved name that admin; each admin's last sign-in is their newest
    session's start; the old per-network sessions end (everyone signs in again)."""
    signed_in_at = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    database_url, sessions = isolated_database_url, isolated_sessions
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        author = invite(uow.session, network, "author@justice.gov.uk")
        approver = invite(uow.session, network, "approver@justice.gov.uk")
        ids = (network.id, news.id, author.id, approver.id)
    parent = (
        ScriptDirectory.from_config(migrate.alembic_config(database_url)).get_revision("0022").down_revision
    )
    assert isinstance(parent, str)
    migrate.downgrade(database_url, parent)
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        tokens = []
        for admin_id in ids[2:]:
            conn.execute(sa.text(
                "INSERT INTO api_token (network_id, token_hash, role, label, holder_email, acting_admin_id, "
                "created_at) VALUES (:n, :h, 'editor', 'web admin', '', :a, :t)"
            ), {"n": ids[0], "h": f"{admin_id:064d}", "a": admin_id, "t": signed_in_at})  # fmt: skip
            tokens.append(conn.execute(sa.text("SELECT MAX(id) FROM api_token")).scalar_one())
        conn.execute(sa.text(
            "INSERT INTO announcement (network_id, topic_id, subject, body, status, author_token_id, "
            "approver_token_id, created_at, updated_at) VALUES (:n, :t, 'S', 'B', 'sent', :a, :b, :w, :w)"
        ), {"n": ids[0], "t": ids[1], "a": tokens[0], "b": tokens[1], "w": signed_in_at})  # fmt: skip
        conn.execute(sa.text(
            "INSERT INTO admin_session (network_id, admin_id, secret_hash, created_at, last_seen_at, "
            "expires_at) VALUES (:n, :a, :h, :w, :w, :w)"
        ), {"n": ids[0], "a": ids[2], "h": "0" * 64, "w": signed_in_at})  # fmt: skip
    engine.dispose()
    migrate.upgrade(database_url)
    with unit_of_work(sessions) as uow:
        made = [uow.session.get_one(ApiToken, token_id) for token_id in tokens]
        assert [(t.created_by_admin_id, t.revoked_at is not None) for t in made] == [
            (ids[2], True),
            (ids[3], True),
        ]
        (announcement,) = uow.session.scalars(sa.select(Announcement)).all()
        assert (announcement.author_admin_id, announcement.approved_by_admin_id) == (ids[2], ids[3])
        assert uow.session.get_one(AdminMember, ids[2]).last_signed_in_at == signed_in_at
        assert uow.session.get_one(AdminMember, ids[3]).last_signed_in_at is None
        assert uow.session.scalars(sa.select(AdminSession)).all() == []


def test_0024_gives_each_announcement_its_one_topic(
    isolated_database_url: str, isolated_sessions: sessionmaker[Session]
) -> None:
    """An announcement written before 0024 went to its one topic: after it, announcement_topic says so."""
    migrate.downgrade(isolated_database_url, "0022")
    with unit_of_work(isolated_sessions) as uow:
        network, (news, _events) = network_with_topics(uow.session, "alpha", ["news", "events"])
        uow.session.add(
            Announcement(network_id=network.id, topic_id=news.id, subject="AGM", body="Come.",
                         status=AnnouncementStatus.DRAFT)
        )  # fmt: skip
        news_id = news.id
    migrate.upgrade(isolated_database_url)
    with unit_of_work(isolated_sessions) as uow:
        (row,) = uow.session.scalars(sa.select(AnnouncementTopic)).all()
        assert row.topic_id == news_id
        assert row.announcement_id == uow.session.scalars(sa.select(Announcement.id)).one()


def test_0023_keeps_an_item_s_title_once_in_its_search_text(
    isolated_database_url: str, isolated_sessions: sessionmaker[Session]
) -> None:
    """An item stored before 0023 held its title's field again on the second line (so its excerpt began
    with the subject); after 0023 the title's line is followed by the body, and search still finds it."""
    with unit_of_work(isolated_sessions) as uow:
        network, _topics = network_with_topics(uow.session, "alpha")
        network_id = network.id
    migrate.downgrade(isolated_database_url, "0022")
    engine = sa.create_engine(isolated_database_url)
    with engine.begin() as conn:
        for key, text in (
            ("event:1", "Summer party\nSummer party\nThe steering group invites you."),
            ("event:2", "Minutes: Steering\nSteering\nWe met."),
            ("event:3", "Only a title"),
        ):
            conn.execute(sa.text(
                "INSERT INTO archive_item (network_id, source_key, email_kind, title, context, search_text, "
                "sent_at, updated_at) VALUES (:n, :k, 'announcement', 'T', '{}', :s, :w, :w)"
            ), {"n": network_id, "k": key, "s": text, "w": utcnow()})  # fmt: skip
    engine.dispose()
    migrate.upgrade(isolated_database_url)
    with unit_of_work(isolated_sessions) as uow:
        texts = dict(
            uow.session.execute(sa.select(ArchiveItem.source_key, ArchiveItem.search_text)).tuples().all()
        )
        assert texts == {
            "event:1": "Summer party\nThe steering group invites you.",
            "event:2": "Minutes: Steering\nWe met.",
            "event:3": "Only a title",
        }
        seen = archive_repo.Visibility(network_id, everything=True)
        found = archive_repo.search(uow.session, seen, ["steering"], limit=21, offset=0)
        assert sorted(item.source_key for item, _ in found) == ["event:1", "event:2"]
