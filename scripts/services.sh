#!/usr/bin/env bash
# Starts the PostgreSQL and Redis servers the test suite needs, installing Redis when it is missing,
# and creates the test database. Idempotent: running it again leaves running servers alone. What it
# installs or starts goes to stderr; stdout carries only the two NOTIFIER_TEST_ lines test.sh reads.
set -euo pipefail

PG_VERSION=15
PG_CLUSTER=main
PG_USER=notifier
PG_PASSWORD=notifier
PG_DB=notifier_test
REDIS_PORT=6379

apt_install() {
  if [ ! -f /var/lib/apt/periodic/notifier-updated ]; then
    apt-get update -qq
    mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/notifier-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server" >&2
  apt_install redis-server
fi
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "starting redis on 127.0.0.1:$REDIS_PORT" >&2
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --logfile /tmp/notifier-redis.log
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
redis-cli -p "$REDIS_PORT" ping >/dev/null

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (the browser tests drive Debian's build; no browser download)" >&2
  apt_install chromium
fi

if ! command -v caddy >/dev/null 2>&1; then
  echo "installing caddy (the deployment's Caddyfile is checked by Caddy itself)" >&2
  apt_install caddy
fi

if ! command -v jekyll >/dev/null 2>&1; then
  echo "installing jekyll (Debian's build is the oracle for the publishing tests)"
  apt_install jekyll
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "installing postgresql" >&2
  apt_install postgresql
fi
if ! pg_lsclusters -h 2>/dev/null | awk '{print $4}' | grep -q online; then
  echo "starting postgresql $PG_VERSION/$PG_CLUSTER" >&2
  pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
fi
for _ in $(seq 100); do runuser -u postgres -- pg_isready -q -h 127.0.0.1 && break; sleep 0.2; done
runuser -u postgres -- pg_isready -q -h 127.0.0.1

psql_admin() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql_admin -c "select 1 from pg_roles where rolname='$PG_USER'")" != "1" ]; then
  psql_admin -c "create role $PG_USER login createdb password '$PG_PASSWORD'"
fi
# Tests drop their databases WITH (FORCE); an autovacuum worker in one runs as the superuser, and
# only members of pg_signal_backend may end it.
psql_admin -c "grant pg_signal_backend to $PG_USER"
# The benchmarks checkpoint after seeding, so the seed's writes are not counted in what they measure.
psql_admin -c "grant pg_checkpoint to $PG_USER"
if [ "$(psql_admin -c "select 1 from pg_database where datname='$PG_DB'")" != "1" ]; then
  psql_admin -c "create database $PG_DB owner $PG_USER"
fi

echo "NOTIFIER_TEST_POSTGRES_URL=postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:5432/$PG_DB"
echo "NOTIFIER_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
