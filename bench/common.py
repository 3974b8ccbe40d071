"""What every benchmark shares: the PostgreSQL and Redis of README command 2, memory readings, a report."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.support.databases import POSTGRES_ENV, PostgresDatabases

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Section:
    """One benchmark's part of docs/benchmarks.md."""

    title: str
    command: str
    lines: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        body = "\n".join(self.lines)
        return f"## {self.title}\n\nCommand: `{self.command}`\n\n{body}\n"


def postgres() -> PostgresDatabases:
    """The server README command 2 starts (scripts/services.sh prints its URL)."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        printed = subprocess.run(
            ["bash", str(ROOT / "scripts" / "services.sh")], capture_output=True, text=True, check=True
        ).stdout
        url = next(line.split("=", 1)[1] for line in printed.splitlines() if line.startswith(POSTGRES_ENV))
        os.environ[POSTGRES_ENV] = url
    return PostgresDatabases(url)


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set (VmHWM) so far, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def machine() -> str:
    memory = psutil.virtual_memory().total / 2**30
    return f"{psutil.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"
