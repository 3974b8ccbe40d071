"""delivery: on PostgreSQL the tenancy seal is checked once per statement, not once per row

A fanned-out row cost two foreign-key checks, each its own query run by a row trigger; EXPLAIN ANALYZE
of a 5,000-row fan-out batch put them at half its time (docs/benchmarks.md, section 8). The same rules
now hold through statement triggers that read the statement's rows as one table:

- inserted rows must name a message and (unless unlinked) a subscriber of their own network; the
  messages are locked FOR KEY SHARE first, as a foreign key would, so none can be deleted before the
  insert commits; the subscribers are protected by their network's seal lock (an advisory lock that
  inserts hold shared and subscriber deletions exclusively), so one deletion and one insert never
  overlap, without locking each subscriber's row (outside READ COMMITTED each row is locked instead,
  and subscribers are deleted only in READ COMMITTED);
- a row's network, message and subscriber are never re-pointed (retention and erasure only clear the
  subscriber);
- deleting a message deletes its deliveries (was ON DELETE CASCADE);
- deleting a subscriber that a delivery still names fails at commit (was NO ACTION; deferred, so a
  network's own cascade, which removes its deliveries through its messages, can finish first);
- a message's or subscriber's network and id never change, and neither table is truncated while
  deliveries exist (the keys refused both).

The functions pin the search_path they were created with, so a session's own path cannot redirect them.

SQLite keeps the row-level foreign keys: one writer at a time, and its checks are cheap.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

FOREIGN_KEYS = {
    "fk_delivery_network_id_message": ("message", "message_id", "CASCADE"),
    "fk_delivery_network_id_subscriber": ("subscriber", "subscriber_id", None),
}

SEAL = [
    """
CREATE FUNCTION delivery_seal_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    named bigint;
    found bigint;
BEGIN
    -- Each parent is locked as a foreign key would lock it, and counted: one that is missing, in another
    -- network, or deleted by a transaction that committed meanwhile is not returned, so the counts differ.
    SELECT count(*) INTO named FROM (SELECT DISTINCT network_id, message_id FROM added) a;
    WITH held AS (
        SELECT 1 FROM message m JOIN (SELECT DISTINCT network_id, message_id FROM added) a
            ON m.network_id = a.network_id AND m.id = a.message_id FOR KEY SHARE OF m
    ) SELECT count(*) INTO found FROM held;
    IF found <> named THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'delivery_seal',
            MESSAGE = 'delivery names a message that is not in its network';
    END IF;
    SELECT count(*) INTO named FROM added WHERE subscriber_id IS NOT NULL;
    IF current_setting('transaction_isolation') = 'read committed' THEN
        -- Subscribers are deleted only under their network's seal lock, held exclusively (below). Held
        -- shared here until commit, no deletion in these networks overlaps this statement, and the count,
        -- a statement of its own with a snapshot taken after the lock, sees every deletion before it:
        -- the same guarantee as locking each subscriber, without writing to thousands of their rows.
        PERFORM pg_advisory_xact_lock_shared(24225, (n.network_id % 2147483647)::int)
            FROM (SELECT DISTINCT network_id FROM added WHERE subscriber_id IS NOT NULL ORDER BY 1) n;
        SELECT count(*) INTO found FROM subscriber s JOIN added a
            ON s.network_id = a.network_id AND s.id = a.subscriber_id;
    ELSE
        -- A snapshot taken before the lock would miss a deletion committed meanwhile: lock each row.
        WITH held AS (
            SELECT 1 FROM subscriber s JOIN added a ON s.network_id = a.network_id AND s.id = a.subscriber_id
                FOR KEY SHARE OF s
        ) SELECT count(*) INTO found FROM held;
    END IF;
    IF found <> named THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'delivery_seal',
            MESSAGE = 'delivery names a subscriber who is not in its network';
    END IF;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER delivery_seal_inserted AFTER INSERT ON delivery
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION delivery_seal_inserted()
""",
    """
CREATE FUNCTION delivery_seal_repointed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'delivery_seal',
        MESSAGE = 'delivery ' || OLD.id || ': its network, message and subscriber are never changed';
END $$
""",
    """
CREATE TRIGGER delivery_seal_repointed BEFORE UPDATE OF network_id, message_id, subscriber_id ON delivery
    FOR EACH ROW WHEN (
        NEW.network_id IS DISTINCT FROM OLD.network_id
        OR NEW.message_id IS DISTINCT FROM OLD.message_id
        OR (NEW.subscriber_id IS NOT NULL AND NEW.subscriber_id IS DISTINCT FROM OLD.subscriber_id)
    ) EXECUTE FUNCTION delivery_seal_repointed()
""",
    """
CREATE FUNCTION delivery_seal_message_deleted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM delivery d USING gone g WHERE d.network_id = g.network_id AND d.message_id = g.id;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER delivery_seal_message_deleted AFTER DELETE ON message
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION delivery_seal_message_deleted()
""",
    """
CREATE FUNCTION delivery_seal_subscribers_deleting() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    -- A snapshot older than the deletion could miss a delivery committed since (a foreign key would
    -- catch it with a cross-check that a trigger cannot make): such transactions may not delete people.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'feature_not_supported', CONSTRAINT = 'delivery_seal',
            MESSAGE = 'subscribers are deleted only in READ COMMITTED transactions';
    END IF;
    -- The seal lock of each network losing subscribers, exclusively until commit: an insert naming them
    -- waits for this transaction, then finds them gone (see delivery_seal_inserted).
    PERFORM pg_advisory_xact_lock(24225, (n.network_id % 2147483647)::int)
        FROM (SELECT DISTINCT network_id FROM gone ORDER BY 1) n;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER delivery_seal_subscribers_deleting AFTER DELETE ON subscriber
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION delivery_seal_subscribers_deleting()
""",
    """
CREATE FUNCTION delivery_seal_subscriber_deleted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    -- Also here, so the lock comes before the check even when SET CONSTRAINTS makes it immediate.
    PERFORM pg_advisory_xact_lock(24225, (OLD.network_id % 2147483647)::int);
    IF EXISTS (SELECT 1 FROM delivery d WHERE d.network_id = OLD.network_id AND d.subscriber_id = OLD.id
                                          AND d.subscriber_id IS NOT NULL) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'delivery_seal',
            MESSAGE = 'subscriber ' || OLD.id || ' is still named by a delivery: clear its links first';
    END IF;
    RETURN NULL;
END $$
""",
    """
CREATE CONSTRAINT TRIGGER delivery_seal_subscriber_deleted AFTER DELETE ON subscriber
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION delivery_seal_subscriber_deleted()
""",
    """
CREATE FUNCTION delivery_seal_parent_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM delivery) THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'delivery_seal',
                MESSAGE = 'deliveries name rows of ' || TG_TABLE_NAME || ': truncate delivery on its own first';
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'delivery_seal',
        MESSAGE = TG_TABLE_NAME || ' ' || OLD.id || ': its network and id are never changed';
END $$
""",
    """
CREATE TRIGGER delivery_seal_message_rekeyed BEFORE UPDATE OF network_id, id ON message
    FOR EACH ROW WHEN (NEW.network_id IS DISTINCT FROM OLD.network_id OR NEW.id IS DISTINCT FROM OLD.id)
    EXECUTE FUNCTION delivery_seal_parent_changed()
""",
    """
CREATE TRIGGER delivery_seal_message_truncated BEFORE TRUNCATE ON message
    FOR EACH STATEMENT EXECUTE FUNCTION delivery_seal_parent_changed()
""",
    """
CREATE TRIGGER delivery_seal_subscriber_rekeyed BEFORE UPDATE OF network_id, id ON subscriber
    FOR EACH ROW WHEN (NEW.network_id IS DISTINCT FROM OLD.network_id OR NEW.id IS DISTINCT FROM OLD.id)
    EXECUTE FUNCTION delivery_seal_parent_changed()
""",
    """
CREATE TRIGGER delivery_seal_subscriber_truncated BEFORE TRUNCATE ON subscriber
    FOR EACH STATEMENT EXECUTE FUNCTION delivery_seal_parent_changed()
""",
]

UNSEAL = """
DROP TRIGGER delivery_seal_subscribers_deleting ON subscriber;
DROP FUNCTION delivery_seal_subscribers_deleting();
DROP TRIGGER delivery_seal_subscriber_truncated ON subscriber;
DROP TRIGGER delivery_seal_subscriber_rekeyed ON subscriber;
DROP TRIGGER delivery_seal_message_truncated ON message;
DROP TRIGGER delivery_seal_message_rekeyed ON message;
DROP FUNCTION delivery_seal_parent_changed();
DROP TRIGGER delivery_seal_subscriber_deleted ON subscriber;
DROP FUNCTION delivery_seal_subscriber_deleted();
DROP TRIGGER delivery_seal_message_deleted ON message;
DROP FUNCTION delivery_seal_message_deleted();
DROP TRIGGER delivery_seal_repointed ON delivery;
DROP FUNCTION delivery_seal_repointed();
DROP TRIGGER delivery_seal_inserted ON delivery;
DROP FUNCTION delivery_seal_inserted();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in FOREIGN_KEYS:
        op.drop_constraint(name, "delivery", type_="foreignkey")
    for statement in SEAL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in UNSEAL.strip().splitlines():
        op.execute(statement)
    for name, (table, column, ondelete) in FOREIGN_KEYS.items():
        op.create_foreign_key(
            name, "delivery", table, ["network_id", column], ["network_id", "id"], ondelete=ondelete
        )
