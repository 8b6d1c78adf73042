#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the review-store tests and print the URL.
# Usage: export OI_TEXT_TEST_PG_URL=$(scripts/start_postgres.sh)
# Needs Debian's postgresql package (and root, to run the server as the 'postgres' user).
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$PGBIN" ]; then echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; fi
DATA=${OI_TEXT_PG_DATA:-/tmp/oi_text_pg}
PORT=${OI_TEXT_PG_PORT:-54329}
if [ -f "$DATA/postmaster.pid" ]; then
  su postgres -c "$PGBIN/pg_ctl -D $DATA -m fast -w stop" >/dev/null 2>&1 || true
fi
rm -rf "$DATA"; mkdir -p "$DATA"; chown postgres "$DATA"
su postgres -c "$PGBIN/initdb -D $DATA -A trust -U postgres" >/dev/null
su postgres -c "$PGBIN/pg_ctl -D $DATA -o '-c listen_addresses=127.0.0.1 -p $PORT -k /tmp' -w -l $DATA/server.log start" >/dev/null
echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
