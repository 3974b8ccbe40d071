"""Settings for tests: explicit values only, never a `.env` file or the caller's NOTIFIER_* variables.

`make_settings(**overrides)` is the one way a test builds Settings. `hermetic_environment` (autouse, once
per run, tests/conftest.py) also keeps what the product builds itself hermetic: the CLI run in-process and
the fleets' child processes read Settings from the environment and from `.env` in their working
directory, so the caller's NOTIFIER_* variables (but the tests' own NOTIFIER_TEST_*) are replaced by the
defaults below and the working directory is an empty scratch directory, with no `.env`.

The defaults keep a test that forgot a value away from anything real: files under the scratch directory
(never the project's var/), a database URL that names no database, so the test fails at once, and a task
queue that refuses every task (tests/support/fakes.py) unless the test asked for a recording one.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from notifier.config import Settings
from tests.support.fakes import REFUSED_QUEUE_FACTORY

TEST_VARIABLES = "NOTIFIER_TEST_"


@functools.cache
def scratch_directory() -> Path:
    """The run's empty scratch directory (made on first use: a module may build settings on import)."""
    return Path(tempfile.mkdtemp(prefix="notifier-tests-"))


def hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Replace NOTIFIER_* variables by the defaults and move to the scratch directory (returned)."""
    for name in list(os.environ):
        if name.startswith("NOTIFIER_") and not name.startswith(TEST_VARIABLES):
            monkeypatch.delenv(name)
    scratch = scratch_directory()
    assert not (scratch / ".env").exists()
    monkeypatch.chdir(scratch)
    for name, value in _defaults(scratch / "var").items():
        monkeypatch.setenv(f"NOTIFIER_{name.upper()}", str(value))
    return scratch


def _defaults(var_dir: Path) -> dict[str, Any]:
    return {
        "var_dir": var_dir,
        "database_url": f"sqlite:///{var_dir}/no-database-given/notifier.db",
        "broker_url": f"sqla+sqlite:///{var_dir}/no-broker-given/broker.db",
        "task_queue_factory": REFUSED_QUEUE_FACTORY,
    }


class ExplicitSettings(Settings):
    """The product's Settings, read from the values given and nothing else (no environment, no `.env`)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def make_settings(**overrides: Any) -> Settings:
    """Settings from the product's defaults, the test defaults above and `overrides` alone."""
    var_dir = overrides.pop("var_dir", scratch_directory() / "var")
    return ExplicitSettings(_env_file=None, **{**_defaults(var_dir), **overrides})
