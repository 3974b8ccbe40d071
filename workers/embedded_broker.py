"""The embedded broker (kombu's SQLAlchemy transport on a SQLite file), made safe for a fleet.

kombu creates its tables and each queue's row lazily, on first use, in whichever process gets there
first; two processes (web, worker, beat) doing it at once fail with "UNIQUE constraint failed:
kombu_queue.name", which kombu does not catch. So every process declares all our queues up front,
one process at a time under a file lock, and publishes from one thread at a time: kombu's virtual
channels are not meant to be shared between threads.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from pathlib import Path
from typing import Any

from celery import Celery

from workers.queues import ALL_QUEUES

EMBEDDED_PREFIX = "sqla+sqlite:///"
# SQLite's own default is to give up after 5 s when another process holds the write lock.
EMBEDDED_TRANSPORT_OPTIONS: dict[str, Any] = {"connect_args": {"timeout": 30}}

_publish_lock = threading.Lock()


def is_embedded(broker_url: str) -> bool:
    return broker_url.startswith(EMBEDDED_PREFIX)


def publishing(app: Celery) -> contextlib.AbstractContextManager[Any]:
    """Hold this while sending a task: one thread at a time on the embedded broker, any number on Redis."""
    return _publish_lock if is_embedded(str(app.conf.broker_url)) else contextlib.nullcontext()


def broker_file(broker_url: str) -> Path:
    return Path(broker_url.removeprefix(EMBEDDED_PREFIX))


def declare_queues(app: Celery, broker_url: str) -> None:
    """Create the broker's tables and every queue row, once per process, under a file lock."""
    path = broker_file(broker_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            with app.connection_for_write() as connection:
                channel: Any = connection.default_channel
                for name in ALL_QUEUES:
                    channel.queue_declare(queue=name)
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
