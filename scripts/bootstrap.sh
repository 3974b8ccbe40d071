#!/usr/bin/env bash
# Installs the project into .venv (Python 3.11+), with the test tools when asked: scripts/bootstrap.sh [dev].
# Re-running is cheap: pip only installs what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "notifier needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "== creating the Python environment .venv"
  if ! "$PYTHON" -m venv .venv; then
    # Debian's own Python keeps venv/ensurepip in a separate package.
    echo "installing python3-venv"
    rm -rf .venv
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    "$PYTHON" -m venv .venv
  fi
fi
extras=""
lock=requirements.lock
[ "${1:-}" = "dev" ] && extras="[dev]" && lock=requirements-dev.lock
echo "== installing notifier${extras:+ with its test tools} and its Python packages into .venv, at the versions in $lock (pip; a few minutes the first time)"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
# The lock pins every package (scripts/lock.sh regenerates it). setuptools' advice about editable
# installs is for package authors, not for someone installing this.
PYTHONWARNINGS="ignore:Editable installation" .venv/bin/python -m pip install -q --disable-pip-version-check \
  -c "$lock" -e ".$extras"

# GOV.UK Frontend's CSS, JavaScript, fonts and images for the pages (pinned in package.json / package-lock.json).
if ! command -v npm >/dev/null 2>&1; then
  echo "installing nodejs and npm for the GOV.UK Frontend assets"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
echo "== installing GOV.UK Frontend's CSS, JavaScript and images and axe-core into node_modules/ (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
echo "== installed"
