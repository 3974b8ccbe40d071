"""The project's contract check (../shared/checks/notify_contract.py) drives the real client against
`notifier sandbox`; it must hold in CI, where ../shared sits beside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from notifier.config import PROJECT_ROOT

CONTRACT = PROJECT_ROOT.parent / "shared" / "checks" / "notify_contract.py"


def test_the_sandbox_meets_the_shared_notify_contract() -> None:
    assert CONTRACT.is_file(), f"{CONTRACT} is missing: ../shared must sit beside the checkout"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        [sys.executable, str(CONTRACT)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sandbox contract checks hold" in result.stdout
