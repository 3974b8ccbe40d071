#!/usr/bin/env bash
# README command 1: installs notifier and runs it on its embedded default (SQLite, embedded broker,
# the local Notify sandbox), then sends a demo post. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
exec .venv/bin/notifier dev "$@"
