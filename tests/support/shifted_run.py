"""Runs pytest with every process's clock moved: `python -m tests.support.shifted_run WHEN -- ARGS`.

WHEN is `+365d` (or `+12h`, `-30m`, `+90s`: a shift from now), an instant such as
`2027-10-31T00:55:00Z` (the run starts there), or `clocks-back` / `clocks-forward`: two minutes
before London's first clock change in October / March that is at least a year away, so the run is
both a year (or more) ahead and across a change. The shift
is taken once, here, and travels in TEST_CLOCK_SHIFT_SECONDS: `shifted_clock/sitecustomize.py` (first
on PYTHONPATH) moves each Python process by it and `shifted_clock/shift_time.rb` (in RUBYOPT) each Ruby
one, so pytest, the fleet, the sandbox and the Jekyll oracle all agree on the moved time.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.clock import MARCH, OCTOBER, next_clock_change

SHIM = Path(__file__).resolve().with_name("shifted_clock")
SHIFT_ENV = "TEST_CLOCK_SHIFT_SECONDS"
UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
CHANGES = {"clocks-forward": MARCH, "clocks-back": OCTOBER}


def target(when: str, now: datetime) -> datetime:
    """The instant the run starts at."""
    relative = re.fullmatch(r"([+-]\d+)([dhms])", when)
    if relative:
        return now + timedelta(seconds=int(relative.group(1)) * UNITS[relative.group(2)])
    if when in CHANGES:  # London's clocks change at 01:00 UTC
        day = next_clock_change(CHANGES[when], after=now.date() + timedelta(days=365))
        return datetime(day.year, day.month, day.day, 0, 58, tzinfo=UTC)
    at = datetime.fromisoformat(when)
    if at.tzinfo is None:
        raise SystemExit(f"{when}: give the instant's offset (Z or +01:00)")
    return at


def shifted_env(seconds: int, environ: dict[str, str]) -> dict[str, str]:
    path = [str(SHIM), *filter(None, environ.get("PYTHONPATH", "").split(os.pathsep))]
    ruby = f"-r{SHIM / 'shift_time.rb'} {environ.get('RUBYOPT', '')}".strip()
    return {**environ, SHIFT_ENV: str(seconds), "PYTHONPATH": os.pathsep.join(path), "RUBYOPT": ruby}


def main(argv: list[str]) -> None:
    if len(argv) < 1 or (len(argv) > 1 and argv[1] != "--"):
        raise SystemExit(__doc__)
    now = datetime.now(UTC)
    seconds = round((target(argv[0], now) - now).total_seconds())
    starts = now + timedelta(seconds=seconds)
    print(f"== pytest with the clock moved by {seconds} s: it starts at {starts:%c %Z}")
    sys.stdout.flush()
    env = shifted_env(seconds, dict(os.environ))
    # sitecustomize imported time_machine, which is also a pytest plugin, before pytest could rewrite it.
    quiet = ["-W", "ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning"]
    os.execve(sys.executable, [sys.executable, "-m", "pytest", *quiet, *argv[2:]], env)  # noqa: S606


if __name__ == "__main__":
    main(sys.argv[1:])
