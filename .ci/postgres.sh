#!/usr/bin/env bash
# Starts (or reuses) a PostgreSQL server on 127.0.0.1:${PGPORT:-54329} for the test run
# and prints the SQLAlchemy DSN the tests read from FEDRA_TEST_POSTGRES_DSN.
set -euo pipefail
port=${PGPORT:-54329}
data=${PGDATA_DIR:-/tmp/fedra-pg}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  else
    echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1
  fi
fi
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres "$data"
    run "$bin/initdb -A trust -U postgres -D $data" > /dev/null
  fi
  run "$bin/pg_ctl -s -D $data -l $data/server.log -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' -w start" >&2
fi
"$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -tc "SELECT 1 FROM pg_roles WHERE rolname='fedra'" | grep -q 1 \
  || "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE ROLE fedra LOGIN SUPERUSER PASSWORD 'fedra'" >&2
echo "postgresql+asyncpg://fedra:fedra@127.0.0.1:$port/postgres"
