"""What every task declares: its retry policy, its time limits, and a failure logged with its ids; each
run that ends is counted (`notifier_task_runs`).

No task retries itself through Celery: the database is the source of truth, and the sweeper re-queues
whatever a failed or killed task left unfinished (design.md). So `max_retries` is 0 everywhere and a
failure is logged (task name, task id, the ids it was given: never personal data) for the operator.
"""

from __future__ import annotations

from typing import Any

import structlog
from celery import Task

from notifier.metrics import record_task_run

log = structlog.get_logger(__name__)


class LoggedTask(Task):  # type: ignore[misc]  # Celery ships no type hints
    """A task whose failure is logged with its ids; tasks take ids only, so the arguments are safe."""

    max_retries = 0

    def on_success(self, retval: Any, task_id: str, args: Any, kwargs: Any) -> None:
        record_task_run(self.name, "ok")

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        record_task_run(self.name, "failed")
        log.error(
            "task.failed",
            task=self.name,
            task_id=task_id,
            ids=list(args or ()),
            error=type(exc).__name__,
        )


# Time limits (soft, hard) in seconds. Celery enforces them in the prefork and gevent pools only; the
# fleet's thread pool does not, so each task also bounds itself: a send chunk gives its thread back
# after send_time_budget_seconds, Notify calls time out after notify_timeout_seconds, and batch tasks
# do one bounded batch each. The limits are the backstop for an operator who runs prefork.
SEND_LIMITS = {"soft_time_limit": 240, "time_limit": 300}
# Fan-out and the retention run each do one bounded batch per task and re-queue themselves.
BATCH_LIMITS = {"soft_time_limit": 540, "time_limit": 600}
# Beat's periodic work: the sweeper, sign-up purge, enquiry forwarding, event sources.
PERIODIC_LIMITS = {"soft_time_limit": 240, "time_limit": 300}
