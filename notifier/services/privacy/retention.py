"""Retention: applying each network's rules in bounded batches, with evidence of every run.

A run has an id and a start time. Each batch handles at most `batch_size` rows per rule and network,
commits, and says whether more is due; the beat task re-queues itself until nothing is. Every rule of
every network gets an evidence row per run (rule, period, cutoff, counts, times; no personal data),
even when nothing was due, so a controller can show the rule ran.

An admin's role is not lost to retention: someone who left as a subscriber more than the period ago
but still holds an admin role keeps only their name and work address (`kept_for_admin_role` in the
evidence), and is deleted once the period has passed after the role is removed.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.models import Network, RetentionEvidence, RetentionRule
from notifier.db.session import scrub_after_commit, unit_of_work
from notifier.domain.retention import Period, RetentionKind, check_within_notice
from notifier.repositories import answers as answer_repo
from notifier.repositories import retention as repo
from notifier.services.archive.retention import delete_expired
from notifier.services.privacy.erasure import (
    carry_out_erasure,
    complete_if_notify_clear,
    erase_subscribers,
    minimise_to_admin,
)

# People past the left-subscriber period kept only because they hold an admin role: a count of how
# things stand at the run (each batch counts it again), not of rows acted on.
KEPT_FOR_ADMIN_ROLE = "kept_for_admin_role"
STATE_COUNTS = frozenset({KEPT_FOR_ADMIN_ROLE})


def default_period(kind: RetentionKind, settings: Settings) -> Period:
    """The notice's clause, or the shorter period a setting gives (link life, delivery links)."""
    return {
        RetentionKind.LEFT_SUBSCRIBER: Period(months=6),
        # The longest confirmation link: an imported person's (each sign-up also goes when its own expires).
        RetentionKind.UNCONFIRMED_SIGNUP: Period(
            days=max(settings.confirm_link_days, settings.import_confirm_days)
        ),
        RetentionKind.CONTACT_ENQUIRY: Period(months=6),
        RetentionKind.ERASURE_REQUEST: Period(),  # at once after the request is verified
        RetentionKind.DELIVERY_LINK: Period(days=settings.delivery_link_days),
        RetentionKind.CLOSED_REQUEST: Period(months=1),
        RetentionKind.MEETING_ACCESS_NEEDS: Period(days=14),
    }[kind]


def unconfirmed_person_period(rule: Period, settings: Settings) -> Period:
    """How long a never-confirmed person with no sign-up left waiting is kept: until the shortest
    confirmation link (a form's) would have expired, or less under a shortened rule. The longer rule
    is for sign-ups: an imported person's longer link keeps them through their sign-up while it lasts."""
    shortest = Period(days=min(settings.confirm_link_days, settings.import_confirm_days))
    return rule if rule.fits_within(shortest) else shortest


def rules_for(session: Session, network_id: int, settings: Settings) -> dict[RetentionKind, Period]:
    rules = {kind: default_period(kind, settings) for kind in RetentionKind}
    for row in session.scalars(select(RetentionRule).where(RetentionRule.network_id == network_id)):
        rules[row.kind] = Period(row.months, row.days)
    return rules


def set_rule(session: Session, network_id: int, kind: RetentionKind, period: Period, now: datetime) -> None:
    """A network's own period for a rule; refused (RuleTooLong) when it outlasts the privacy notice."""
    check_within_notice(kind, period)
    row = session.scalars(
        select(RetentionRule).where(RetentionRule.network_id == network_id, RetentionRule.kind == kind)
    ).one_or_none()
    if row is None:
        row = RetentionRule(network_id=network_id, kind=kind)
        session.add(row)
    row.months, row.days, row.updated_at = period.months, period.days, now
    session.flush()


@dataclass(frozen=True)
class RunState:
    run_id: str
    started_at: datetime
    delivery_cursor: repo.LinkCursor | None = None  # where the delivery-link rule goes on from

    def task_args(self) -> list[Any]:
        """The state as JSON-safe task arguments; `resume` reads them back."""
        cursor = self.delivery_cursor
        position = None
        if cursor is not None:
            position = [cursor.network_id, cursor.updated_at.isoformat(), cursor.delivery_id]
        return [self.run_id, self.started_at.isoformat(), position]

    @classmethod
    def resume(cls, run_id: str, started_at: str, delivery_cursor: object = None) -> RunState:
        """The state `task_args` wrote. Any other cursor (a task queued by an older release) starts the
        delivery-link walk again, which only costs its index's first page: cleared rows left it."""
        cursor = None
        if isinstance(delivery_cursor, list) and len(delivery_cursor) == 3:
            network_id, updated_at, delivery_id = delivery_cursor
            cursor = repo.LinkCursor(int(network_id), datetime.fromisoformat(updated_at), int(delivery_id))
        return cls(run_id, datetime.fromisoformat(started_at), cursor)


def start_run(now: datetime) -> RunState:
    return RunState(str(uuid.uuid4()), now)


@dataclass
class _NetworkBatch:
    counts: dict[RetentionKind, Counter[str]] = field(default_factory=dict)
    more: bool = False

    def add(self, kind: RetentionKind, name: str, value: int, *, limit: int | None = None) -> None:
        self.counts.setdefault(kind, Counter())[name] += value
        if limit is not None and value >= limit:
            self.more = True

    def acted(self) -> bool:
        return any(v for c in self.counts.values() for n, v in c.items() if n not in STATE_COUNTS)

    def state(self, kind: RetentionKind, name: str, value: int) -> None:
        """A count of how things stand (one of STATE_COUNTS), not of rows acted on."""
        self.counts.setdefault(kind, Counter())[name] = value


@dataclass
class _LinkWalk:
    """The delivery-link rule's walk through one batch: networks in id order from the run's cursor,
    sharing one budget of rows; it stops at the first network whose share filled the batch."""

    after: repo.LinkCursor | None
    budget: int
    stopped_at: repo.LinkCursor | None = None

    def step(self, session: Session, network_id: int, cutoff: datetime) -> int:
        after = self.after
        if self.stopped_at is not None or (after is not None and network_id < after.network_id):
            return 0
        start = after if after is not None and after.network_id == network_id else None
        cleared, self.stopped_at = repo.unlink_deliveries(session, network_id, cutoff, start, self.budget)
        self.budget -= cleared
        return cleared


def run_batch(sessions: sessionmaker[Session], settings: Settings, state: RunState) -> RunState | None:
    """Apply every rule once, bounded; the next state when more is due, else None.

    Each network's share of the batch is its own unit of work (not one from its task), so deleting one
    network's people never holds another network's rows or locks (docs/operations.md), a long run commits
    as it goes, and a crash loses at most one network's share, which the next batch repeats."""
    walk = _LinkWalk(state.delivery_cursor, settings.retention_batch_size)
    more = False
    for network_id in _network_ids(sessions):
        with unit_of_work(sessions) as uow:
            more = _network_batch(uow.session, settings, state, network_id, walk) or more
    if walk.stopped_at is not None:
        return RunState(state.run_id, state.started_at, walk.stopped_at)
    return RunState(state.run_id, state.started_at, state.delivery_cursor) if more else None


def _network_ids(sessions: sessionmaker[Session]) -> list[int]:
    with unit_of_work(sessions) as uow:
        return list(uow.session.scalars(select(Network.id).order_by(Network.id)))


def _network_batch(
    session: Session, settings: Settings, state: RunState, network_id: int, walk: _LinkWalk
) -> bool:
    """One network's rules, its share of the link walk and its evidence; whether more is due."""
    now = state.started_at
    rules = rules_for(session, network_id, settings)
    batch = _apply_network_rules(session, settings, network_id, rules, now, settings.retention_batch_size)
    unlinked = walk.step(session, network_id, rules[RetentionKind.DELIVERY_LINK].before(now))
    batch.add(RetentionKind.DELIVERY_LINK, "deliveries_unlinked", unlinked)
    # Archive items hold no personal data, so they have no rule or evidence of their own; they go only
    # when the deployment sets a period (for ever by default).
    archived = delete_expired(session, settings, network_id, now, settings.retention_batch_size)
    batch.more = batch.more or archived >= settings.retention_batch_size
    _record_evidence(session, state, network_id, rules, batch)
    if batch.acted():
        scrub_after_commit(session)  # enquiries, sign-ups and requests' details as well as people
    return batch.more


def run_to_completion(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> RunState:
    """Run every batch in this process (the CLI's `retention run`); the beat task re-queues instead."""
    first = start_run(now)
    state: RunState | None = first
    while state is not None:
        state = run_batch(sessions, settings, state)
    return first


def _apply_network_rules(
    session: Session,
    settings: Settings,
    network_id: int,
    rules: dict[RetentionKind, Period],
    now: datetime,
    limit: int,
) -> _NetworkBatch:
    batch = _NetworkBatch()
    erasure_cutoff = rules[RetentionKind.ERASURE_REQUEST].before(now)
    _erasure_requests(session, settings, network_id, erasure_cutoff, now, limit, batch)
    _left_subscribers(session, network_id, rules[RetentionKind.LEFT_SUBSCRIBER].before(now), limit, batch)
    signup_cutoff = rules[RetentionKind.UNCONFIRMED_SIGNUP].before(now)
    signups = repo.delete_expired_signups(session, network_id, now=now, cutoff=signup_cutoff, limit=limit)
    batch.add(RetentionKind.UNCONFIRMED_SIGNUP, "signups", signups, limit=limit)
    person_period = unconfirmed_person_period(rules[RetentionKind.UNCONFIRMED_SIGNUP], settings)
    unconfirmed = repo.unconfirmed_subscribers(network_id, person_period.before(now))
    pending = repo.first_ids(session, unconfirmed, limit)
    _erase(session, network_id, pending, RetentionKind.UNCONFIRMED_SIGNUP, batch, limit)
    enquiries = repo.delete_old_enquiries(
        session, network_id, rules[RetentionKind.CONTACT_ENQUIRY].before(now), limit
    )
    batch.add(RetentionKind.CONTACT_ENQUIRY, "enquiries", enquiries, limit=limit)
    link_life = Period(days=settings.data_request_link_days).before(now)
    batch.add(
        RetentionKind.CLOSED_REQUEST,
        "expired_unverified",
        repo.expire_unverified_requests(session, network_id, link_life, now),
    )
    closed_cutoff = rules[RetentionKind.CLOSED_REQUEST].before(now)
    anonymised = repo.anonymise_closed_requests(session, network_id, closed_cutoff, limit)
    batch.add(RetentionKind.CLOSED_REQUEST, "anonymised", anonymised, limit=limit)
    needs_cutoff = rules[RetentionKind.MEETING_ACCESS_NEEDS].before(now)
    cleared = answer_repo.clear_access_needs_due(session, network_id, needs_cutoff, limit)
    batch.add(RetentionKind.MEETING_ACCESS_NEEDS, "answers_cleared", cleared, limit=limit)
    return batch


def _erase(
    session: Session, network_id: int, ids: list[int], kind: RetentionKind, batch: _NetworkBatch, limit: int
) -> None:
    counts = erase_subscribers(session, network_id, ids)
    batch.add(kind, "subscribers", len(ids), limit=limit)
    for table, touched in counts.items():
        if table != "subscriber":
            batch.add(kind, table, touched)


def _left_subscribers(
    session: Session, network_id: int, cutoff: datetime, limit: int, batch: _NetworkBatch
) -> None:
    """Delete the people who left before the cutoff, except those holding an admin role (or who lost
    it after the cutoff): of them only what the role needs is kept, and the evidence counts them."""
    kind = RetentionKind.LEFT_SUBSCRIBER
    left = repo.first_leavers(session, network_id, cutoff, limit)
    _erase(session, network_id, left, kind, batch, limit)
    admins = repo.first_ids(session, repo.left_admins_to_minimise(network_id, cutoff), limit)
    batch.add(kind, "admins_minimised", len(admins), limit=limit)
    for table, touched in minimise_to_admin(session, network_id, admins).items():
        batch.add(kind, table, touched)
    batch.state(kind, KEPT_FOR_ADMIN_ROLE, repo.count(session, repo.left_admins(network_id, cutoff)))


def _erasure_requests(
    session: Session,
    settings: Settings,
    network_id: int,
    cutoff: datetime,
    now: datetime,
    limit: int,
    batch: _NetworkBatch,
) -> None:
    kind = RetentionKind.ERASURE_REQUEST
    due = repo.erasure_requests_due(session, network_id, cutoff, limit)
    for request in due:
        erased = carry_out_erasure(
            session, request, notify_retention_days=settings.notify_retention_days, now=now
        )
        batch.add(kind, "subscribers", erased)
    batch.add(kind, "requests_acted_on", len(due), limit=limit)
    clear = repo.erasures_clear_of_notify(session, network_id, now, limit)
    completed = sum(complete_if_notify_clear(session, request, now) for request in clear)
    batch.add(kind, "requests_completed", completed, limit=limit)


def _record_evidence(
    session: Session,
    state: RunState,
    network_id: int,
    rules: dict[RetentionKind, Period],
    batch: _NetworkBatch,
) -> None:
    now = state.started_at
    rows = {
        row.kind: row
        for row in session.scalars(
            select(RetentionEvidence).where(
                RetentionEvidence.run_id == state.run_id, RetentionEvidence.network_id == network_id
            )
        )
    }
    for kind in RetentionKind:
        counts = batch.counts.get(kind, Counter())
        row = rows.get(kind)
        if row is None:
            row = RetentionEvidence(
                run_id=state.run_id,
                network_id=network_id,
                kind=kind,
                period=rules[kind].describe(),
                cutoff=rules[kind].before(now),
                counts={},
                started_at=now,
            )
            session.add(row)
        merged = Counter(row.counts)
        for name, value in counts.items():  # rows acted on add up over a run's batches; a state does not
            merged[name] = value if name in STATE_COUNTS else merged[name] + value
        row.counts = {name: int(value) for name, value in sorted(merged.items())}
        row.finished_at = utcnow()
    session.flush()
