"""Benchmarks 3 and 5: the fleet's ceiling with no latency and no limit, beside a bare client loop on
the same sandbox; and the workers' peak memory for a small and a large send.

Ceiling: two worker processes (eight threads each) send one announcement; emails/s runs from the
first acceptance to the last, CPU is what the two worker processes used meanwhile. The bare loop is
two processes of eight threads calling NotificationsAPIClient.send_email_notification as fast as
they can, for the same sandbox, straight after.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from notifications_python_client.notifications import NotificationsAPIClient
from sqlalchemy import func, select

from bench.common import Section, cpu_seconds, peak_rss_mib, postgres
from notifier.db.models import Delivery
from notifier.db.session import unit_of_work
from tests.support.bulk import seed_audience
from tests.support.send_run import SendRun, send_run

CEILING_EMAILS = 5000
WARM_UP_EMAILS = CEILING_EMAILS  # the same send once before, to another network
BARE_SECONDS = 10.0
THREADS = 8
PROCESSES = 2
NO_LIMIT = {"NOTIFIER_RATE_LIMIT_PER_MINUTE": "100000000", "NOTIFIER_RATE_LIMIT_BURST": "100000"}
CEILING_READING = (
    "The fleet's ceiling is CPU on 2 cores shared with the sandbox, PostgreSQL and Redis. Workers send in "
    "groups of 20: one limiter call, one claim UPDATE, two re-check queries and one batched record per "
    "group (two commits per group); a message is rendered once and each reader's own link tokens are "
    "signed into it; the group's Notify calls go out at once through each worker's call pool (32 threads, "
    "one Notify client each), the same client call the bare loop makes."
)
BODY = {"subject": "Network forum", "body": "All members welcome.\n\n[Unsubscribe](https://example.gov.uk/u)"}


def _send_all(run: SendRun, emails: int, *, slug: str = "bench", prefix: str = "member") -> dict[str, Any]:
    with unit_of_work(run.sessions) as uow:
        audience = seed_audience(uow.session, slug, emails, prefix=prefix)
    pids = [child.process.pid for child in run.fleet.workers.values()]
    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    message_id = run.announce_to(audience)
    run.wait_until_done(message_id, timeout=3600)
    cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    with unit_of_work(run.sessions) as uow:
        first, last = uow.session.execute(
            select(func.min(Delivery.accepted_at), func.max(Delivery.accepted_at)).where(
                Delivery.message_id == message_id
            )
        ).one()
    ledger = run.sandbox.ledger()
    return {
        "emails": emails,
        "per_second": (emails - 1) / (last - first).total_seconds(),
        "cpu_ms_per_email": 1000 * cpu / emails,
        "peak_rss_mib": max(peak_rss_mib(pid) for pid in pids),
        "duplicates": len(ledger["duplicate_references"]),
        "stored": ledger["total"],
    }


def _bare_thread(key: str, base_url: str, template_id: str, stop_at: float, counts: list[int]) -> None:
    client = NotificationsAPIClient(key, base_url=base_url, timeout=30)
    sent = 0
    while time.monotonic() < stop_at:
        client.send_email_notification(
            email_address=f"bare{sent}@dept.gov.uk", template_id=template_id, personalisation=BODY,
            reference=f"bare-{threading.get_ident()}-{sent}", one_click_unsubscribe_url="https://example.gov.uk/u",
        )  # fmt: skip
        sent += 1
    counts.append(sent)


def _bare_process(key: str, base_url: str, template_id: str, results: multiprocessing.Queue[Any]) -> None:
    counts: list[int] = []
    stop_at = time.monotonic() + BARE_SECONDS
    cpu_before = time.process_time()
    threads = [
        threading.Thread(target=_bare_thread, args=(key, base_url, template_id, stop_at, counts))
        for _ in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((sum(counts), time.process_time() - cpu_before))


def _bare_loop(run: SendRun) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[Any] = context.Queue()
    args = (run.sandbox.key("live"), run.sandbox.base_url, run.sandbox.template_id, results)
    processes = [context.Process(target=_bare_process, args=args) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    found = [results.get(timeout=BARE_SECONDS + 120) for _ in processes]
    for process in processes:
        process.join()
    sent = sum(count for count, _ in found)
    return {"per_second": sent / BARE_SECONDS, "cpu_ms_per_email": 1000 * sum(c for _, c in found) / sent}


def measure_ceiling() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, send_run(postgres(), Path(tmp), fleet_settings=NO_LIMIT) as r:
        # A fresh worker pays once for what every later send reuses (its engine and connections, compiled
        # templates and statements, one Notify client per pool thread): a first send absorbs that.
        warm_up = _send_all(r, WARM_UP_EMAILS, slug="warmup", prefix="warm")
        fleet = _send_all(r, CEILING_EMAILS)
        bare = _bare_loop(r)
    return {"warm_up": warm_up, "fleet": fleet, "bare": bare}


def measure_memory(emails: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, send_run(postgres(), Path(tmp), fleet_settings=NO_LIMIT) as r:
        return _send_all(r, emails)


def run_ceiling() -> Section:
    r = measure_ceiling()
    print(r)
    fleet, bare = r["fleet"], r["bare"]
    section = Section("3. The ceiling: no latency, no limit", ".venv/bin/python -m bench.run --only ceiling")
    section.lines += [
        f"{CEILING_EMAILS:,} emails through the whole path (claim, re-check, render, Notify client, "
        f"record) by {PROCESSES} workers x {THREADS} threads, and a bare loop of {PROCESSES} processes x "
        f"{THREADS} threads calling only the Notify client, on the same sandbox in the same run.",
        "",
        "| | emails/s | CPU ms per email |",
        "|---|---:|---:|",
        f"| notifier fleet | {fleet['per_second']:.0f} "
        f"| {fleet['cpu_ms_per_email']:.2f} (worker processes) |",
        f"| bare client loop | {bare['per_second']:.0f} "
        f"| {bare['cpu_ms_per_email']:.2f} (client processes) |",
        "",
        f"Fleet rate / bare loop rate: **{fleet['per_second'] / bare['per_second']:.2f}**. "
        f"Duplicates in the ledger: {fleet['duplicates']}; stored: {fleet['stored']:,} (with the warm-up).",
        "",
        "The fleet is measured as it runs for days, not as it starts: the same "
        f"{WARM_UP_EMAILS:,}-email send went to another network just before, on the same workers. That first "
        f"send cost {r['warm_up']['cpu_ms_per_email']:.1f} ms of worker CPU per email, part of it paid once "
        "per process (the processes' start, engines and connections, compiled templates and statements, one "
        "Notify client and connection per pool thread).",
        "",
        CEILING_READING,
    ]
    return section


def run_memory(sizes: tuple[int, int]) -> Section:
    results = [measure_memory(size) for size in sizes]
    print(results)
    section = Section(
        "5. Worker memory: a small send and a large one", ".venv/bin/python -m bench.run --only memory"
    )
    section.lines += [
        "Peak RSS (VmHWM) of the larger of the two worker processes; each size on a fresh fleet, no "
        "latency, no limit.",
        "",
        "| emails | peak RSS per worker | emails/s | duplicates in the ledger |",
        "|---:|---:|---:|---:|",
        *(
            f"| {r['emails']:,} | {r['peak_rss_mib']:.0f} MiB | {r['per_second']:.0f} | {r['duplicates']} |"
            for r in results
        ),
        "",
        "Flat: a worker holds one chunk of delivery ids per thread and at most 32 shared renderings, "
        "never the audience.",
    ]
    return section
