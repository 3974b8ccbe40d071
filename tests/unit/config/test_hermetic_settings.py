"""The tests' own settings are hermetic: nothing comes from a `.env` file or the caller's NOTIFIER_*
variables, and a task enqueued where none was asked for fails the test (tests/support/settings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifier.config import PROJECT_ROOT, Settings
from notifier.domain.statuses import Lane
from notifier.queueing import load_task_queue
from tests.support.fakes import RefusingQueue, UnexpectedTask
from tests.support.settings import make_settings, scratch_directory


def test_a_dot_env_in_the_working_directory_is_never_read() -> None:
    assert Path.cwd() == scratch_directory() and not (Path.cwd() / ".env").exists()
    assert not Path.cwd().is_relative_to(PROJECT_ROOT)


def test_make_settings_ignores_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", "from-the-environment")
    (tmp_path / ".env").write_text("NOTIFIER_SERVICE_NAME=From a file\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = make_settings(send_threads=3)
    assert settings.secret_key.get_secret_value() == "dev-secret"  # the product's default
    assert settings.service_name == "Staff network emails"
    assert settings.send_threads == 3


def test_what_the_product_reads_itself_points_at_nothing_real() -> None:
    """The CLI run in-process builds Settings() from the environment: the tests' defaults, not the
    caller's, with files under the scratch directory and no database or broker of anyone's."""
    settings = Settings()
    assert settings.var_dir.is_relative_to(scratch_directory())
    assert "no-database-given" in settings.database_url and "no-broker-given" in settings.broker_url


def test_the_default_task_queue_refuses_every_task() -> None:
    for settings in (make_settings(), Settings()):
        queue = load_task_queue(settings)
        assert isinstance(queue, RefusingQueue)
        with pytest.raises(UnexpectedTask, match="fan-out of message 7"):
            queue.enqueue_fanout(7)
        with pytest.raises(UnexpectedTask, match="send of message 7"):
            queue.enqueue_send(7, 1, 2, Lane.BULK)
        assert queue.fanouts == [] and queue.sends == []
