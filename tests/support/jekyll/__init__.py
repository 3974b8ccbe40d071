"""Jekyll itself (Debian's `jekyll` 4.3 package) as the oracle for reading a site."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

ORACLE = Path(__file__).with_name("oracle.rb")


def _ruby(args: list[str], payload: Any = None, *, tz: str = "Europe/London") -> Any:
    ruby = shutil.which("ruby")
    if ruby is None:
        raise RuntimeError("ruby is missing: scripts/services.sh installs Debian's jekyll package")
    result = subprocess.run(
        [ruby, str(ORACLE), *args],
        input=None if payload is None else json.dumps(payload),
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": tz},
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the Jekyll oracle failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout)


def jekyll_documents(site: Path, *, tz: str = "Europe/London") -> list[dict[str, Any]]:
    """Every document Jekyll reads from `site` (unpublished ones included, future posts left out)."""
    return list(_ruby(["site", str(site)], tz=tz))


def ruby_time_parse(texts: list[str], *, tz: str = "Europe/London") -> list[Any]:
    """`Time.parse` of each text as ISO 8601 UTC with microseconds, or {"error": ...}."""
    return list(_ruby(["time"], texts, tz=tz))


def psych_load(texts: list[str]) -> list[Any]:
    """Each YAML text as Jekyll's `safe_load_yaml` reads it; {"__error__": class} when it fails."""
    return list(_ruby(["yaml"], texts))
