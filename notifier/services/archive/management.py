"""The steering group's side of the archive: every item of the network (withdrawn ones too), withdrawing
an item (readers no longer see it; the reason and who did it are kept and audited) and restoring it,
and whether readers see a topic's whole history or only what came after they joined."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from notifier.db.models import ArchiveItem, Topic
from notifier.repositories import archive as repo
from notifier.services.archive.access import FROM_JOINED, reads_from_joining
from notifier.services.common import audit
from notifier.services.common.scope import NetworkScope

ADMIN_PAGE_SIZE = 50
LONGEST_REASON = 500


class ArchiveRefused(ValueError):
    """The change cannot be made as asked; the message names the field."""


@dataclass(frozen=True)
class AdminArchive:
    items: list[tuple[ArchiveItem, list[Topic]]]
    page: int
    has_next: bool
    total: int
    from_joined: bool


def admin_archive(scope: NetworkScope, *, page: int = 1) -> AdminArchive:
    page = min(max(page, 1), 10_000)
    rows = list(
        scope.session.scalars(
            scope.rows(ArchiveItem)
            .order_by(ArchiveItem.sent_at.desc(), ArchiveItem.id.desc())
            .limit(ADMIN_PAGE_SIZE + 1)
            .offset((page - 1) * ADMIN_PAGE_SIZE)
        )
    )
    shown = rows[:ADMIN_PAGE_SIZE]
    topics = repo.topics_of(scope.session, [i.id for i in shown])
    total = scope.session.scalar(
        select(func.count()).select_from(ArchiveItem).where(ArchiveItem.network_id == scope.network_id)
    )
    return AdminArchive(
        [(i, topics[i.id]) for i in shown],
        page,
        len(rows) > ADMIN_PAGE_SIZE,
        int(total or 0),
        reads_from_joining(scope.network),
    )


def withdraw(scope: NetworkScope, item_id: int, *, reason: str, actor: str, now: datetime) -> ArchiveItem:
    """Take an item out of readers' sight, saying why; NotFound for another network's."""
    item = scope.get(ArchiveItem, item_id, what="archive item")
    reason = " ".join(reason.split())
    if not reason:
        raise ArchiveRefused("reason: say why the email is withdrawn")
    if len(reason) > LONGEST_REASON:
        raise ArchiveRefused(f"reason: at most {LONGEST_REASON} characters")
    if item.withdrawn_at is not None:
        raise ArchiveRefused("item: this email is already withdrawn")
    item.withdrawn_at, item.withdrawn_by, item.withdrawn_reason = now, actor, reason
    audit.record(
        scope.session, scope.network_id, actor, "archive.withdraw", "archive_item", item.id, reason=reason
    )
    return item


def restore(scope: NetworkScope, item_id: int, *, actor: str) -> ArchiveItem:
    item = scope.get(ArchiveItem, item_id, what="archive item")
    if item.withdrawn_at is None:
        raise ArchiveRefused("item: this email is not withdrawn")
    item.withdrawn_at = item.withdrawn_by = item.withdrawn_reason = None
    audit.record(scope.session, scope.network_id, actor, "archive.restore", "archive_item", item.id)
    return item


def set_reading_from_joining(scope: NetworkScope, from_joined: bool, *, actor: str) -> None:
    """Readers see a topic's whole history (False) or only what was sent after they joined (True)."""
    network = scope.network
    archive = dict(network.settings.get("archive") or {})
    archive[FROM_JOINED] = from_joined
    network.settings = {**network.settings, "archive": archive}
    audit.record(
        scope.session, network.id, actor, "archive.settings", "network", network.id, from_joined=from_joined
    )
