"""`notifier dev` run again in the same clone: the sandbox's log still holds the last run's keys, which
the new sandbox refuses; the keys read are the ones this run's sandbox printed."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from notifier.cli.dev import _read_sandbox_env
from notifier.cli.processes import Supervisor

EARLIER = (
    "NOTIFIER_NOTIFY_API_KEY_LIVE=sandbox-live-old\n"
    "NOTIFIER_NOTIFY_TEMPLATE_ID=old-template\n"
    "NOTIFIER_NOTIFY_BASE_URL=http://127.0.0.1:6011\n"
    "stopped\n"
)
THIS_RUN = EARLIER.replace("old", "new").replace("stopped\n", "")


def test_the_keys_come_from_this_runs_part_of_the_log(tmp_path: Path) -> None:
    log = tmp_path / "sandbox.log"
    log.write_text(EARLIER)
    earlier = log.stat().st_size

    def sandbox_starts() -> None:
        time.sleep(0.3)  # the new sandbox prints a moment after the reader starts looking
        with log.open("a") as appended:
            appended.write(THIS_RUN)

    printer = threading.Thread(target=sandbox_starts)
    printer.start()
    found = _read_sandbox_env(log, Supervisor(tmp_path / "logs"), skip_bytes=earlier, timeout=10)
    printer.join()
    assert found["NOTIFIER_NOTIFY_API_KEY_LIVE"] == "sandbox-live-new"
    assert found["NOTIFIER_NOTIFY_TEMPLATE_ID"] == "new-template"
