"""The embedded broker takes web, worker and beat starting at once on a new file, and many request
threads publishing at once, without losing a task or failing a request (kombu alone does neither)."""

from __future__ import annotations

import multiprocessing
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from notifier.config import Settings
from notifier.domain.statuses import Lane
from tests.support.settings import make_settings
from workers.celery_app import create_celery
from workers.dispatch import CeleryTaskQueue
from workers.queues import ALL_QUEUES

PROCESSES = 4
THREADS = 8
TASKS_PER_THREAD = 10


def _settings(tmp_path: Path) -> Settings:
    return make_settings(
        var_dir=tmp_path,
        broker_url=f"sqla+sqlite:///{tmp_path / 'broker.db'}",
        database_url=f"sqlite:///{tmp_path}/notifier.db",
    )


def _process_publishes(tmp_path: Path, start: Any) -> None:
    start.wait()
    queue = CeleryTaskQueue(create_celery(_settings(tmp_path)))

    def publish(thread: int) -> None:
        for n in range(TASKS_PER_THREAD):
            queue.enqueue_send(thread, n, n, Lane.TRANSACTIONAL if n % 2 else Lane.BULK)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(publish, range(THREADS)))


def test_processes_starting_together_and_threads_publishing_together_lose_nothing(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    processes = [context.Process(target=_process_publishes, args=(tmp_path, start)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * PROCESSES

    with sqlite3.connect(tmp_path / "broker.db") as db:
        queues = [name for (name,) in db.execute("SELECT name FROM kombu_queue ORDER BY name")]
        stored = db.execute("SELECT count(*) FROM kombu_message").fetchone()[0]
    assert sorted(queues) == sorted(set(queues)) and set(ALL_QUEUES) <= set(queues)
    assert stored == PROCESSES * THREADS * TASKS_PER_THREAD
