#!/usr/bin/env bash
# README command 1: installs notifier and runs it on its embedded default (SQLite, embedded broker,
# the local Notify sandbox), then sends a demo post. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
echo "== starting notifier dev: the Notify sandbox, the web app (http and https), a worker and beat"
exec .venv/bin/notifier dev "$@"
