#!/usr/bin/env bash
# Restores a dump made by backup.sh into a NEW database, and stops at the first error:
#   scripts/restore.sh DUMP_FILE NEW_DATABASE_NAME
# Connects like backup.sh: libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD, or DATABASE_URL
# (postgresql://user:password@host:port/any-existing-database). It creates the database (refusing one
# that exists), restores schema and data in one transaction, and prints the rows of the main tables to
# compare with the source. Point NOTIFIER_DATABASE_URL at the new database once they agree
# (docs/deploy.md, "Backups and restores").
set -euo pipefail

dump=${1:?give the dump file}
database=${2:?give the name of the new database}
[ -r "$dump" ] || { echo "restore: cannot read $dump" >&2; exit 1; }
[[ "$database" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "restore: name the database in a-z, 0-9 and _" >&2; exit 1; }
if [ -n "${DATABASE_URL:-}" ]; then
  server=("$DATABASE_URL")
  new="${DATABASE_URL%/*}/$database"
else
  server=()
  new=$database
fi

psql --no-psqlrc -v ON_ERROR_STOP=1 -q "${server[@]}" -c "CREATE DATABASE \"$database\""
pg_restore --exit-on-error --single-transaction --no-owner --dbname="$new" "$dump"
echo "restore: $dump restored into $database"
psql --no-psqlrc -v ON_ERROR_STOP=1 -At "$new" -F ' ' -c "
  SELECT 'network', count(*) FROM network UNION ALL
  SELECT 'subscriber', count(*) FROM subscriber UNION ALL
  SELECT 'message', count(*) FROM message UNION ALL
  SELECT 'delivery', count(*) FROM delivery UNION ALL
  SELECT 'alembic_version ' || version_num, 1 FROM alembic_version" | sed 's/^/restore:   /'
