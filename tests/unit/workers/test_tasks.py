"""Task names are defined once and tie together the decorators, the dispatcher and the beat schedule;
every task declares its policy; the runtime is built once per app and can be injected."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from notifier.domain.statuses import Lane
from tests.support.settings import make_settings
from workers import runtime as runtime_module
from workers.celery_app import create_celery, settings_of
from workers.dispatch import CeleryTaskQueue
from workers.policy import LoggedTask
from workers.schedule import beat_schedule
from workers.task_names import TaskName


@pytest.fixture
def app(tmp_path: Path) -> Any:
    settings = make_settings(
        var_dir=tmp_path,
        broker_url=f"filesystem://{tmp_path}",
        database_url=f"sqlite:///{tmp_path}/notifier.db",
        notify_base_url="http://127.0.0.1:9",
        notify_api_key_live="notifier_live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
        notify_template_id="f33517ff-2a88-4f6e-b855-c550268ce08a",
    )
    app = create_celery(settings)
    # Registering the shared tasks, as workers.main does.
    from workers.tasks import delivery, maintenance, retention, sources  # noqa: F401, PLC0415

    return app


def _our_tasks(app: Any) -> dict[str, Any]:
    return {name: task for name, task in app.tasks.items() if name.startswith("notifier.")}


def test_every_task_name_is_registered_and_every_registered_task_is_named(app: Any) -> None:
    assert set(_our_tasks(app)) == {name.value for name in TaskName}


def test_the_beat_schedule_names_only_registered_tasks(app: Any) -> None:
    scheduled = {entry["task"] for entry in beat_schedule(settings_of(app)).values()}
    assert scheduled <= set(_our_tasks(app))
    assert scheduled == {
        TaskName.SWEEP,
        TaskName.PURGE_SIGNUPS,
        TaskName.RETENTION_RUN,
        TaskName.FOLD_DELIVERIES,
        TaskName.FORWARD_ENQUIRIES,
        TaskName.EVENT_SOURCES,
    }


class _RecordingApp:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[int], str]] = []
        self.conf = SimpleNamespace(broker_url="memory://")

    def send_task(self, name: str, *, args: list[int], queue: str, countdown: float | None) -> None:
        self.sent.append((name, args, queue))


def test_the_dispatcher_sends_registered_task_names_with_ids_only(app: Any) -> None:
    recording = _RecordingApp()
    queue = CeleryTaskQueue(recording)  # type: ignore[arg-type]
    queue.enqueue_fanout(7)
    queue.enqueue_send(7, 100, 199, Lane.BULK)
    queue.enqueue_send(8, 5, 5, Lane.TRANSACTIONAL)
    assert [name for name, _, _ in recording.sent] == [
        TaskName.FANOUT,
        TaskName.SEND_CHUNK,
        TaskName.SEND_CHUNK,
    ]
    assert {name for name, _, _ in recording.sent} <= set(_our_tasks(app))
    assert all(all(isinstance(arg, int) for arg in args) for _, args, _ in recording.sent)
    assert [queue for _, _, queue in recording.sent] == ["fanout", "send", "transactional"]


def test_every_task_declares_its_retry_and_time_limit_policy(app: Any) -> None:
    for name, task in _our_tasks(app).items():
        assert isinstance(task, LoggedTask), name
        assert task.max_retries == 0, name
        assert task.soft_time_limit is not None, name
        assert task.time_limit is not None, name
        assert task.soft_time_limit < task.time_limit, name


def test_a_failed_task_is_logged_with_its_name_and_ids(app: Any) -> None:
    task = app.tasks[TaskName.SEND_CHUNK]
    with capture_logs() as logs:
        task.on_failure(ValueError("boom"), "task-1", (7, 100, 199), {}, None)
    assert logs == [
        {
            "event": "task.failed",
            "log_level": "error",
            "task": "notifier.send_chunk",
            "task_id": "task-1",
            "ids": [7, 100, 199],
            "error": "ValueError",
        }
    ]


def test_each_run_that_ends_is_counted_by_task_and_outcome(app: Any) -> None:
    """The count tests and operators read to know beat's schedule is kept (`notifier_task_runs`)."""
    task = app.tasks[TaskName.EVENT_SOURCES]

    def runs(outcome: str) -> float:
        value = REGISTRY.get_sample_value(
            "notifier_task_runs_total", {"task": TaskName.EVENT_SOURCES.value, "outcome": outcome}
        )
        return value or 0.0

    ok, failed = runs("ok"), runs("failed")
    task.on_success(None, "task-1", (), {})
    task.on_success(None, "task-2", (), {})
    with capture_logs():
        task.on_failure(ValueError("boom"), "task-3", (), {}, None)
    assert (runs("ok") - ok, runs("failed") - failed) == (2, 1)


def test_the_settings_are_the_ones_the_app_was_built_with(app: Any, tmp_path: Path) -> None:
    assert settings_of(app).var_dir == tmp_path


def test_an_injected_runtime_is_used_and_a_built_one_is_built_once(app: Any) -> None:
    built = runtime_module.runtime(app)
    assert built.settings is settings_of(app)
    assert runtime_module.runtime(app) is built
    injected = runtime_module.Runtime(built.settings, built.sessions, built.queue, built.sender)
    runtime_module.install_runtime(app, injected)
    assert runtime_module.runtime(app) is injected
