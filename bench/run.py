"""Run the benchmarks and write their figures into docs/benchmarks.md.

    .venv/bin/python -m bench.run                 # every benchmark (about 25 minutes on 2 cores)
    .venv/bin/python -m bench.run --only fanout   # one or more of: fanout batch fleet ceiling memory
                                                  #   networks sandbox archive

`sandbox` runs bench/sandbox_ceiling.py and prints its table; the "Sandbox ceiling" section of the
report is its owner's reading of that table and is kept as it is.

Needs the PostgreSQL that README command 2 starts (scripts/services.sh) and `redis-server` on PATH;
each fleet benchmark starts its own Redis, sandbox and worker processes. A section of
docs/benchmarks.md is replaced only by a run that produced it; other sections are kept as they are.
Benchmarks are never part of pytest.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from bench import archive_search, ceiling, fanout, fanout_batch, fleet_sends, many_networks
from bench.common import ROOT, Section, machine

REPORT = ROOT / "docs" / "benchmarks.md"
MEMORY_SIZES = (10_000, 100_000)
SANDBOX_CEILING_ARGS = (
    "--drivers",
    "real",
    "light",
    "--processes",
    "1",
    "2",
    "--threads",
    "8",
    "--seconds",
    "10",
)


def _sandbox_ceiling() -> list[Section]:
    """The sandbox engineer's benchmark; its section in the report is written by hand from this output."""
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sandbox_ceiling.py"), *SANDBOX_CEILING_ARGS], check=True
    )
    return []


BENCHMARKS: dict[str, Callable[[], list[Section]]] = {
    "sandbox": _sandbox_ceiling,
    "fanout": lambda: [fanout.run()],
    "batch": lambda: [fanout_batch.run()],
    "fleet": lambda: list(fleet_sends.run()),
    "ceiling": lambda: [ceiling.run_ceiling()],
    "memory": lambda: [ceiling.run_memory(MEMORY_SIZES)],
    "networks": many_networks.run,
    "archive": lambda: [archive_search.run()],
}


def _sections(text: str) -> dict[str, str]:
    """The `## ` sections of an existing report, by title, in order."""
    found: dict[str, str] = {}
    for block in re.split(r"(?m)^(?=## )", text):
        if block.startswith("## "):
            found[block.splitlines()[0][3:].strip()] = block.rstrip() + "\n"
    return found


def write_report(new: list[Section]) -> None:
    sections = _sections(REPORT.read_text()) if REPORT.exists() else {}
    for section in new:
        sections[section.title] = section.markdown()
    ordered = sorted(sections.items(), key=lambda item: item[0])  # numbered sections sort in order
    header = (
        "# Benchmarks\n\n"
        f"Figures from `.venv/bin/python -m bench.run` on this machine ({machine()}); last run "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Each section names the command that produced it.\n"
    )
    REPORT.write_text(header + "".join(f"\n{body}" for _, body in ordered))


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the benchmarks and write docs/benchmarks.md.")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these")
    args = parser.parse_args()
    names = args.only or list(BENCHMARKS)
    produced: list[Section] = []
    for name in names:
        print(f"== {name}", flush=True)
        produced += BENCHMARKS[name]()
        write_report(produced)  # keep what is done even if a later benchmark fails
    print(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
