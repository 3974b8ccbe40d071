# mypy: disable-error-code="no-untyped-call"
"""How many sends a second one `notifier sandbox` takes before it becomes the bottleneck.

Two drivers send the same requests (test key, no latency, a rate limit far above the load), from N
client processes x T threads:
- real:  notifications-python-client, one NotificationsAPIClient per thread (what workers use);
- light: http.client with one JWT a second, cheap enough that the sandbox, not the driver, runs out
         of CPU first on a small machine.
The report gives throughput, latency percentiles, and the sandbox process's own CPU per send.

    .venv/bin/python bench/sandbox_ceiling.py --drivers real light --processes 1 2 --threads 8 --seconds 10

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil  # type: ignore[import-untyped]
from notifications_python_client.authentication import create_jwt_token
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.sandbox import launch_sandbox  # noqa: E402 - needs the project root on sys.path

PERSONALISATION = {
    "subject": "Network news: what's on this month",
    "body": "# This month\n\nHello,\n\n* Meeting on Tuesday\n* Minutes from last time\n\n"
    "Read more at https://example.gov.uk/news\n\n---\n\n[Unsubscribe](https://example.gov.uk/u/abc)",
}
UNSUBSCRIBE_URL = "https://example.gov.uk/u/abc"
Samples = list[tuple[bool, float]]


def _real_client(key: str, base_url: str, template_id: str, stop_at: float, out: Samples) -> None:
    client = NotificationsAPIClient(key, base_url=base_url, timeout=30)
    n = 0
    while time.monotonic() < stop_at:
        n += 1
        started = time.perf_counter()
        try:
            client.send_email_notification(
                f"member{n}@example.gov.uk",
                template_id,
                personalisation=PERSONALISATION,
                reference=f"{threading.get_ident()}-{n}",
                one_click_unsubscribe_url=UNSUBSCRIBE_URL,
            )
            ok = True
        except HTTPError:
            ok = False
        out.append((ok, time.perf_counter() - started))


def _light_client(key: str, base_url: str, template_id: str, stop_at: float, out: Samples) -> None:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    service_id, secret = key[-73:-37], key[-36:]
    token_second, token = 0, ""
    n = 0
    while time.monotonic() < stop_at:
        n += 1
        if (
            int(time.time()) != token_second
        ):  # the real client signs per request; the token only changes per second
            token_second, token = int(time.time()), create_jwt_token(secret, service_id)
        body = json.dumps(
            {
                "email_address": f"member{n}@example.gov.uk",
                "template_id": template_id,
                "personalisation": PERSONALISATION,
                "reference": f"{threading.get_ident()}-{n}",
                "one_click_unsubscribe_url": UNSUBSCRIBE_URL,
            }
        )
        started = time.perf_counter()
        connection.request(
            "POST",
            "/v2/notifications/email",
            body,
            {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        response = connection.getresponse()
        response.read()
        out.append((response.status == 201, time.perf_counter() - started))
    connection.close()


DRIVERS: dict[str, Callable[[str, str, str, float, Samples], None]] = {
    "real": _real_client,
    "light": _light_client,
}


def _client_process(
    driver: str,
    key: str,
    base_url: str,
    template_id: str,
    threads: int,
    start_at: float,
    seconds: float,
    results: multiprocessing.Queue[Samples],
) -> None:
    time.sleep(max(0.0, start_at - time.time()))
    stop_at = time.monotonic() + seconds
    outs: list[Samples] = [[] for _ in range(threads)]
    workers = [
        threading.Thread(target=DRIVERS[driver], args=(key, base_url, template_id, stop_at, outs[i]))
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put([sample for out in outs for sample in out])


def run(driver: str, processes: int, threads: int, seconds: float) -> dict[str, Any]:
    sandbox = launch_sandbox("--rate-limit", "100000000")
    try:
        server = psutil.Process(sandbox.process.pid)
        context = multiprocessing.get_context("spawn")
        results: multiprocessing.Queue[Samples] = context.Queue()
        start_at = time.time() + 1.5  # let every client process import before the clock starts
        clients = [
            context.Process(
                target=_client_process,
                args=(
                    driver,
                    sandbox.key("test"),
                    sandbox.base_url,
                    sandbox.template_id,
                    threads,
                    start_at,
                    seconds,
                    results,
                ),
            )
            for _ in range(processes)
        ]
        for client in clients:
            client.start()
        time.sleep(max(0.0, start_at - time.time()))
        cpu_before = server.cpu_times()
        samples = [sample for _ in clients for sample in results.get(timeout=seconds + 60)]
        cpu_after = server.cpu_times()
        for client in clients:
            client.join()
        stored = sandbox.ledger()["total"]
    finally:
        sandbox.stop()
    latencies = sorted(duration for ok, duration in samples if ok)
    server_cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    return {
        "sent": len(latencies),
        "failed": sum(1 for ok, _ in samples if not ok),
        "stored": stored,
        "per_second": len(latencies) / seconds,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p99_ms": 1000 * latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else 0.0,
        "sandbox_cpu_share": server_cpu / seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--drivers", nargs="+", choices=sorted(DRIVERS), default=["real", "light"])
    parser.add_argument(
        "--processes", type=int, nargs="+", default=[1, 2], help="client processes (one run each)"
    )
    parser.add_argument("--threads", type=int, default=8, help="threads per client process")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(f"Sandbox ceiling on {psutil.cpu_count()} cores: test key, no latency, rate limit above the load\n")
    print(
        f"{'driver':>6} {'procs':>5} {'threads':>7} {'sent/s':>7} {'sent':>7} {'failed':>6} {'stored':>7} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'sandbox CPU':>11} {'CPU/send':>9}"
    )
    for driver in args.drivers:
        for processes in args.processes:
            r = run(driver, processes, args.threads, args.seconds)
            per_send_us = 1e6 * r["sandbox_cpu_share"] / r["per_second"] if r["per_second"] else 0.0
            print(
                f"{driver:>6} {processes:>5} {args.threads:>7} {r['per_second']:>7.0f} {r['sent']:>7} "
                f"{r['failed']:>6} {r['stored']:>7} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
                f"{r['sandbox_cpu_share']:>10.0%} {per_send_us:>7.0f}us"
            )
    print("\nsandbox CPU: CPU seconds the sandbox process used per wall second (100% = one core busy).")
    print("CPU/send: sandbox CPU per accepted send; one core of sandbox takes about 1 s / CPU/send a second.")


if __name__ == "__main__":
    main()
