"""One beat at a time: the scheduler sends jobs only while it holds the fleet's beat lock.

Every `notifier beat` runs this scheduler (`beat_scheduler` in workers/celery_app.py). A second beat
finds the lock taken and stands by, trying again every NOTIFIER_BEAT_LOCK_RETRY_SECONDS; when the
first dies its lock dies with it (notifier/db/leader_lock.py) and the second takes over. Each tick,
leading or not, rewrites the heartbeat file that `notifier beat --check` reads.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery.beat import PersistentScheduler

from notifier import heartbeat
from notifier.db.base import utcnow
from notifier.db.leader_lock import leader_lock
from workers.celery_app import settings_of

log = logging.getLogger(__name__)


class SingleBeatScheduler(PersistentScheduler):  # type: ignore[misc]  # Celery ships no type hints
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = settings_of(self.app)
        self._lock = leader_lock(settings.database_url, "beat")
        self._retry_seconds = settings.beat_lock_retry_seconds
        self._heartbeat = heartbeat.heartbeat_path(settings.var_dir)
        self._leading: bool | None = None

    def tick(self, *args: Any, **kwargs: Any) -> float:
        leading = self._lock.hold()
        if leading != self._leading:
            log.info(
                "beat: %s",
                "holds the lock; sending jobs" if leading else "another beat holds the lock; standing by",
            )
            self._leading = leading
        heartbeat.write(self._heartbeat, heartbeat.Heartbeat(utcnow(), leading, os.getpid()))
        if not leading:
            return self._retry_seconds
        # Come back at least this often, so the heartbeat stays fresh and a lost lock is noticed.
        return float(min(super().tick(*args, **kwargs), self._retry_seconds))

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._lock.release()
