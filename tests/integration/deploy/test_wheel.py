"""A built wheel serves pages on its own: installed into a fresh environment, away from any checkout,
it finds its templates and GOV.UK Frontend inside the package, migrates a database and renders."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from notifier.config import PROJECT_ROOT

CHECK = """
import notifier, sys
from fastapi.testclient import TestClient
from notifier.config import Settings
from notifier.resources import TEMPLATES_DIR, govuk_frontend_dir
from notifier.web.app import create_app
from notifier.queueing import load_task_queue

assert notifier.__file__.startswith(sys.prefix), notifier.__file__
assert TEMPLATES_DIR.is_relative_to(sys.prefix), TEMPLATES_DIR
assert govuk_frontend_dir().is_relative_to(sys.prefix), govuk_frontend_dir()
settings = Settings()
client = TestClient(create_app(settings, load_task_queue(settings)))
for path in ("/govuk/govuk-frontend.min.css", "/govuk/govuk-frontend.min.js", "/brand/frontend.min.css",
             "/assets/manifest.json", "/subscribe/", "/accessibility"):
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
print("served from", notifier.__file__)
"""


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{argv}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_an_installed_wheel_serves_pages_without_a_checkout(tmp_path: Path) -> None:
    _run([sys.executable, "-m", "pip", "wheel", str(PROJECT_ROOT), "--no-deps", "-q", "-w", "dist"], tmp_path)
    (wheel,) = (tmp_path / "dist").glob("notifier-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", "venv"], tmp_path)
    python = tmp_path / "venv" / "bin" / "python"
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        tmp_path,
    )
    # The wheel's dependencies: this environment's, listed after the new one's own site-packages (the
    # editable checkout's hook is in a .pth there, which a listed path does not run).
    purelib = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path).strip()
    )
    (purelib / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFIER_", "PYTHON"))}
    env["NOTIFIER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'notifier.db'}"
    env["NOTIFIER_VAR_DIR"] = str(tmp_path / "var")
    _run([str(python), "-m", "notifier", "db", "upgrade"], tmp_path, env)
    assert "served from " + str(purelib) in _run([str(python), "-c", CHECK], tmp_path, env)
