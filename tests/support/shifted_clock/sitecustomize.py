"""Moves this Python process's wall clock by TEST_CLOCK_SHIFT_SECONDS from the moment it starts.

`python -m tests.support.shifted_run` puts this folder first on PYTHONPATH, so every Python process of
a test run (pytest, `notifier web/worker/beat`, the sandbox, `notifier hook post`) imports it at start
and reads the same shift: they agree with each other, a year (or a clock change) away from the host.
time-machine moves `time.time`, `datetime.now` and friends; monotonic clocks stay real, which is all
timeouts and sleeps need. PostgreSQL and Redis keep the host's clock: the product never compares
their time with its own.
"""

from __future__ import annotations

import os

_shift = float(os.environ.get("TEST_CLOCK_SHIFT_SECONDS") or 0)
if _shift:
    import time

    import time_machine

    time_machine.travel(time.time() + _shift, tick=True).start()
    time.time()  # time-machine's clock starts ticking when it is first read: now, not at first use
