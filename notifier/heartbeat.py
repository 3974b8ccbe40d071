"""Beat's heartbeat file: every tick of every beat writes it, and `notifier beat --check` reads it.

A container's healthcheck cannot ask celery beat whether it is alive; a file rewritten each tick can
say so: a beat whose file is older than NOTIFIER_BEAT_HEARTBEAT_MAX_AGE_SECONDS has stopped ticking.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HEARTBEAT_FILE = "beat-heartbeat.json"


@dataclass(frozen=True)
class Heartbeat:
    at: datetime
    leading: bool  # holds the lock and sends jobs; otherwise standing by for the one that does
    pid: int

    @property
    def role(self) -> str:
        return (
            "sending jobs (holds the lock)" if self.leading else "standing by (another beat holds the lock)"
        )


def heartbeat_path(var_dir: Path) -> Path:
    return var_dir / HEARTBEAT_FILE


def write(path: Path, beat: Heartbeat) -> None:
    """Replace the file in one step, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{beat.pid}.tmp")
    partial.write_text(json.dumps({"at": beat.at.isoformat(), "leading": beat.leading, "pid": beat.pid}))
    os.replace(partial, path)


def read(path: Path) -> Heartbeat | None:
    try:
        data = json.loads(path.read_text())
        return Heartbeat(datetime.fromisoformat(data["at"]), bool(data["leading"]), int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
