#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml: requirements.lock (what notifier needs to run: the
# Dockerfile and command 1 install exactly this) and requirements-dev.lock (that plus the test tools:
# command 2). Each is `pip freeze` of a clean environment, so a lock is what really installed together.
# Run it after changing dependencies in pyproject.toml, and commit both files.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

freeze() {  # freeze ENV_DIR OUTPUT HEADER
  {
    echo "# $3"
    echo "# Made by scripts/lock.sh with $("$1/bin/python" --version); do not edit by hand."
    "$1/bin/python" -m pip freeze --exclude-editable --disable-pip-version-check | grep -v '^notifier[= @]' | LC_ALL=C sort -f
  } > "$2"
}

echo "== resolving what notifier needs to run (requirements.lock)"
"$PYTHON" -m venv "$work/run"
"$work/run/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$work/run/bin/python" -m pip install -q --disable-pip-version-check .
freeze "$work/run" requirements.lock "notifier's dependencies, pinned (pip install -c requirements.lock .)"

echo "== resolving that plus the test tools (requirements-dev.lock)"
"$PYTHON" -m venv "$work/dev"
"$work/dev/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$work/dev/bin/python" -m pip install -q --disable-pip-version-check -c requirements.lock ".[dev]"
freeze "$work/dev" requirements-dev.lock "notifier's dependencies and test tools, pinned (pip install -c requirements-dev.lock '.[dev]')"
echo "== written requirements.lock ($(grep -vc '^#' requirements.lock) packages) and requirements-dev.lock ($(grep -vc '^#' requirements-dev.lock) packages)"
