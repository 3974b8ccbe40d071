#!/usr/bin/env bash
# Dumps the database whole (pg_dump -Fc) into BACKUP_DIR and keeps the newest BACKUP_KEEP dumps.
#   scripts/backup.sh                  one dump now
#   scripts/backup.sh --every SECONDS  one dump now and then one every SECONDS, for ever (compose's backup service)
# Connects with libpq's variables: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (or DATABASE_URL as
# postgresql://user:password@host:port/name). A dump is written under a temporary name, checked with
# pg_restore --list, then renamed, so BACKUP_DIR only ever holds whole dumps. Restore with restore.sh.
set -euo pipefail

BACKUP_DIR=${BACKUP_DIR:-/backups}
BACKUP_KEEP=${BACKUP_KEEP:-14}
if [ -n "${DATABASE_URL:-}" ]; then target=("$DATABASE_URL"); else target=(); fi

dump_once() {
  mkdir -p "$BACKUP_DIR"
  local name partial
  name="notifier-$(date -u +%Y%m%dT%H%M%SZ).dump"
  partial="$BACKUP_DIR/.$name.partial"
  pg_dump --format=custom --no-owner --file="$partial" "${target[@]}"
  pg_restore --list "$partial" >/dev/null  # a dump pg_restore cannot read is no backup
  mv "$partial" "$BACKUP_DIR/$name"
  # Keep the newest BACKUP_KEEP dumps (names sort by time).
  ls -1 "$BACKUP_DIR" | grep -E '^notifier-[0-9]{8}T[0-9]{6}Z\.dump$' | sort -r | tail -n +"$((BACKUP_KEEP + 1))" |
    while read -r old; do rm -f "$BACKUP_DIR/$old"; done
  echo "backup: wrote $BACKUP_DIR/$name ($(wc -c <"$BACKUP_DIR/$name") bytes); keeping the newest $BACKUP_KEEP"
}

if [ "${1:-}" = "--every" ]; then
  interval=${2:?give the seconds between dumps}
  while true; do
    dump_once || echo "backup: FAILED at $(date -u +%FT%TZ); trying again in $interval s" >&2
    sleep "$interval"
  done
else
  dump_once
fi
