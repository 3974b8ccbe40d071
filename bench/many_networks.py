"""Benchmarks 6 and 7: networks on their own Notify services, each filling its own limit.

6. A raised limit: one service whose Notify limit is 21,000/min (350/s, what GOV.UK's own alert
   service runs at), 80 ms of latency, 30,000 emails, two workers: the share of the limit used, 429s,
   duplicates and missing emails.
7. Many networks at once at the default 3,000/min and 80 ms: four networks on four services, 10,000
   emails each, sent together (each should use its own limit); then two networks on one shared
   service (each should get about half of it).

The share of a limit is (emails accepted - the bucket's starting capacity) / seconds / limit per
second: the part of Notify's refill that was used, as in benchmark 2.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.common import Section, postgres
from notifier.db.models import Delivery
from notifier.db.session import unit_of_work
from tests.support.bulk import Audience, seed_audience
from tests.support.own_services import own_service_for
from tests.support.send_run import SendRun, send_run

LATENCY_MS = 80
CAPACITY = 1000
COMMAND = ".venv/bin/python -m bench.run --only networks"


def _limit_settings(per_minute: int) -> dict[str, str]:
    return {
        "NOTIFIER_RATE_LIMIT_PER_MINUTE": str(per_minute),
        "NOTIFIER_RATE_LIMIT_BURST": str(CAPACITY),
        "NOTIFIER_TRANSACTIONAL_RESERVE": "100",
        "NOTIFIER_NOTIFY_TIMEOUT_SECONDS": "10",
        "NOTIFIER_SEND_CHUNK_SIZE": "200",
    }


def _accepted_at(run: SendRun, message_id: int) -> list[float]:
    with unit_of_work(run.sessions) as uow:
        times = uow.session.scalars(
            select(Delivery.accepted_at).where(
                Delivery.message_id == message_id, Delivery.accepted_at.is_not(None)
            )
        ).all()
    return sorted(t.timestamp() for t in times if t is not None)


def _share(accepted: list[float], per_second: float) -> tuple[float, float]:
    """(seconds from first to last, share of the limit's refill used)."""
    seconds = accepted[-1] - accepted[0]
    return seconds, (len(accepted) - CAPACITY) / seconds / per_second


def _networks(run: SendRun, names: list[str], emails: int, services: list[str]) -> list[Audience]:
    """One network per name with `emails` people; each given the service of the same position."""
    audiences = []
    assert run.encryption_key
    with unit_of_work(run.sessions) as uow:
        for name, service in zip(names, services, strict=True):
            audience = seed_audience(uow.session, name, emails, prefix=name)
            if service != "deployment":
                own_service_for(uow.session, run.sandbox, audience.network_id, run.encryption_key, service)
            audiences.append(audience)
    return audiences


def _check(run: SendRun, audiences: list[Audience]) -> dict[str, int]:
    ledger = run.sandbox.ledger(recipients="true")
    wanted = set().union(*(a.consenting for a in audiences))
    throttled = sum(
        run.worker_metric(w, 'notifier_emails_total{lane="bulk",outcome="throttled"')
        for w in run.metrics_ports
    )
    return {
        "duplicates": len(ledger["duplicate_references"]) + len(ledger["repeated_recipients"]),
        "missing": len(wanted - set(ledger["by_recipient"])),
        "throttled": int(throttled),
    }


def raised_limit(emails: int = 30_000, per_minute: int = 21_000, concurrency: int = 24) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, send_run(
        postgres(), Path(tmp), workers=0, sandbox_rate_limit=per_minute,
        sandbox_args=("--latency-ms", str(LATENCY_MS)), fleet_settings=_limit_settings(per_minute),
        services=("deployment",),
    ) as run:  # fmt: skip
        for name in ("w0", "w1"):
            run.start_worker(name, concurrency)
        (audience,) = _networks(run, ["raised"], emails, ["deployment"])
        message_id = run.announce_to(audience)
        run.wait_until_done(message_id, timeout=1800)
        seconds, share = _share(_accepted_at(run, message_id), per_minute / 60)
        return {"emails": emails, "seconds": seconds, "share": share, **_check(run, [audience])}


def many_services(
    networks: int = 4, emails: int = 10_000, per_minute: int = 3000, concurrency: int = 12
) -> dict[str, Any]:
    names = [f"net{n}" for n in range(networks)]
    services = ["deployment", *[f"service{n}" for n in range(1, networks)]]
    with tempfile.TemporaryDirectory() as tmp, send_run(
        postgres(), Path(tmp), workers=0, sandbox_rate_limit=per_minute,
        sandbox_args=("--latency-ms", str(LATENCY_MS)), fleet_settings=_limit_settings(per_minute),
        services=tuple(services),
    ) as run:  # fmt: skip
        for name in ("w0", "w1"):
            run.start_worker(name, concurrency)
        audiences = _networks(run, names, emails, services)
        message_ids = [run.announce_to(a) for a in audiences]
        run.wait_until_done(message_ids, timeout=3600)
        shares = [_share(_accepted_at(run, m), per_minute / 60) for m in message_ids]
        return {"shares": shares, **_check(run, audiences)}


def shared_service(emails: int = 5_000, per_minute: int = 3000, concurrency: int = 12) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, send_run(
        postgres(), Path(tmp), workers=0, sandbox_rate_limit=per_minute,
        sandbox_args=("--latency-ms", str(LATENCY_MS)), fleet_settings=_limit_settings(per_minute),
        services=("deployment",),
    ) as run:  # fmt: skip
        for name in ("w0", "w1"):
            run.start_worker(name, concurrency)
        audiences = _networks(run, ["first", "second"], emails, ["deployment", "deployment"])
        message_ids = [run.announce_to(a) for a in audiences]
        run.wait_until_done(message_ids, timeout=3600)
        times = [_accepted_at(run, m) for m in message_ids]
        # While both were sending: from the later first email to the earlier last one.
        start, end = max(t[0] for t in times), min(t[-1] for t in times)
        both = [sum(start <= t <= end for t in ts) for ts in times]
        total = sum(both)
        split = [n / total for n in both]
        return {"emails": emails, "window": end - start, "split": split, **_check(run, audiences)}


def run() -> list[Section]:
    raised = raised_limit()
    print(raised)
    six = Section("6. A raised limit: 21,000/min at 80 ms, 30,000 emails", COMMAND)
    six.lines += [
        "One Notify service whose limit is 21,000/min (350/s), 80 ms added to every request; two "
        "`notifier worker --concurrency 24` processes, PostgreSQL, Redis; the fleet's limiter set to the "
        "same limit (2 % headroom).",
        "",
        "| emails | seconds | share of the limit | 429s | duplicates | missing |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {raised['emails']:,} | {raised['seconds']:.0f} | **{raised['share']:.3f}** | "
        f"{raised['throttled']} | {raised['duplicates']} | {raised['missing']} |",
    ]
    many = many_services()
    print(many)
    shared = shared_service()
    print(shared)
    seven = Section("7. Many networks at once, each on its own Notify service or sharing one", COMMAND)
    seven.lines += [
        "Default limit (3,000/min, capacity 1,000) per service, 80 ms latency, two workers x 12 threads. "
        "Four networks on four services, 10,000 emails each, announced together:",
        "",
        "| network | seconds | share of its service's limit |",
        "|---|---:|---:|",
        *[f"| net{n} | {s:.0f} | **{share:.3f}** |" for n, (s, share) in enumerate(many["shares"])],
        "",
        f"429s: {many['throttled']}, duplicates: {many['duplicates']}, missing: {many['missing']}.",
        "",
        f"Two networks on one shared service, {shared['emails']:,} each, announced together: each one's "
        f"part of what the service sent while both were sending ({shared['window']:.0f} s): "
        + ", ".join(f"**{part:.2f}**" for part in shared["split"])
        + f". 429s: {shared['throttled']}, duplicates: {shared['duplicates']}, missing: {shared['missing']}.",
    ]
    return [six, seven]
