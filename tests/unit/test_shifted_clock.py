"""The shifted runs of scripts/test.sh (`python -m tests.support.shifted_run`) move the clock of every
process of the test run by TEST_CLOCK_SHIFT_SECONDS, and only theirs: this process, a Python child (as
the fleet, the sandbox and `notifier hook post` are), a Ruby child and Jekyll's build time (the
oracle). The host's own clock, which PostgreSQL and Redis keep, is read from the kernel: the time it
stamps on a new file. Without a shift every clock agrees with the host's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.shifted_run import SHIFT_ENV

pytestmark = pytest.mark.dates
SHIFT = float(os.environ.get(SHIFT_ENV) or 0)
SLACK = 2.0  # seconds: a child's start-up, and the kernel's coarse file times


def _host_now(folder: Path) -> float:
    probe = folder / f"probe-{time.monotonic_ns()}"
    probe.touch()
    return probe.stat().st_mtime


def _assert_shifted(folder: Path, read: Callable[[], float]) -> None:
    before = _host_now(folder)
    seen = read()
    after = _host_now(folder)
    assert before + SHIFT - SLACK <= seen <= after + SHIFT + SLACK, (seen - before, SHIFT)


def _child(*command: str) -> float:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return float(done.stdout.strip().splitlines()[-1])


def test_this_process_reads_the_shifted_clock(tmp_path: Path) -> None:
    _assert_shifted(tmp_path, time.time)
    _assert_shifted(tmp_path, lambda: datetime.now(UTC).timestamp())


def test_a_python_child_reads_the_same_shifted_clock(tmp_path: Path) -> None:
    _assert_shifted(tmp_path, lambda: _child(sys.executable, "-c", "import time; print(time.time())"))


def test_ruby_and_jekylls_build_time_read_the_same_shifted_clock(tmp_path: Path) -> None:
    ruby = shutil.which("ruby")
    assert ruby is not None, "ruby is missing: scripts/services.sh installs Debian's jekyll package"
    _assert_shifted(tmp_path, lambda: _child(ruby, "-e", "print Time.now.to_f"))
    site = (
        'require "jekyll"; conf = Jekyll.configuration("source" => ARGV[0], "destination" => ARGV[1],'
        ' "quiet" => true); print Jekyll::Site.new(conf).time.to_f'
    )
    _assert_shifted(tmp_path, lambda: _child(ruby, "-e", site, str(tmp_path), str(tmp_path / "_site")))
