#!/usr/bin/env bash
# README command 2: installs everything the tests need, starts PostgreSQL and Redis when they are not
# running, then runs the checks (ruff, mypy, import contracts) and the whole test suite, then the
# date-sensitive tests again with the clock moved.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh dev
echo "== starting PostgreSQL 15 and Redis for the tests (installed with apt if missing, with Chromium);"
echo "   they keep running afterwards: stop them with 'pg_ctlcluster 15 main stop' and 'redis-cli shutdown'"
# A URL already set is kept (on a shared machine each developer's own Redis database number).
while IFS= read -r line; do
  name=${line%%=*}
  if [ -z "${!name:-}" ]; then export "$line"; fi
done < <(scripts/services.sh | grep '^NOTIFIER_TEST_')
export NOTIFIER_TEST_POSTGRES_URL NOTIFIER_TEST_REDIS_URL
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"; ruff check . && ruff format --check --quiet .
echo "== mypy"; mypy notifier workers notify_sandbox
echo "== import contracts"; lint-imports --no-cache
echo "== pytest (with branch coverage; the total and pyproject.toml's fail_under are at the end)"
pytest --cov --cov-report=term:skip-covered "$@"
# No test may depend on the day it runs: the date-sensitive unit and integration tests (marker `dates`)
# run again with every process's clock moved (pytest, the fleets, the sandbox, Ruby's Jekyll; not
# Chromium, so not the browser tests) to London's first autumn clock change at least a year away, two
# minutes before the clocks go back. Any failure fails the command.
shifted=("$@"); [ $# -eq 0 ] && shifted=(tests/unit tests/integration)
echo "== the date-sensitive tests again, a year or more ahead and across a clock change"
python -m tests.support.shifted_run clocks-back -- -m dates -q -p no:cacheprovider "${shifted[@]}"
