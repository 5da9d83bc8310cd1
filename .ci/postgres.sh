#!/usr/bin/env bash
# A throw-away PostgreSQL for the tests, on a Unix socket only (no TCP port).
#
#   .ci/postgres.sh install      as root: Debian's postgresql (+ pgvector when it can be had)
#   .ci/postgres.sh start DIR    initdb in DIR, start the server, print a SQLAlchemy URL
#   .ci/postgres.sh stop DIR     stop it
#
# As root the server runs as the `postgres` user (PostgreSQL refuses to run as root).
# Nothing here is faked: when a step cannot be done it says why on stderr and exits non-zero,
# and the tests that need PostgreSQL are skipped with that reason.
set -euo pipefail
cmd=${1:-}
here=$(cd "$(dirname "$0")/.." && pwd)

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

as_owner() {  # run a server command as the postgres user when we are root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  install)
    [ "$(id -u)" = 0 ] || { echo "postgres.sh: not root, cannot install PostgreSQL" >&2; exit 1; }
    command -v apt-get >/dev/null || { echo "postgres.sh: no apt-get" >&2; exit 1; }
    if ! pg_bin >/dev/null; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null 2>&1 \
        || { echo "postgres.sh: could not install postgresql" >&2; exit 1; }
    fi
    bin=$(pg_bin)
    major=$("$bin/pg_config" --version 2>/dev/null | sed -E 's/[^0-9]*([0-9]+).*/\1/' || true)
    [ -n "$major" ] || major=$(basename "$(dirname "$bin")")
    if [ ! -f "/usr/share/postgresql/$major/extension/vector.control" ]; then
      # Debian's package when the release has one; otherwise built from the vendored source.
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$major-pgvector" >/dev/null 2>&1 \
        || bash "$here/.ci/pgvector.sh" "$major" \
        || echo "postgres.sh: pgvector unavailable; the pgvector tests will be skipped" >&2
    fi
    ;;
  start)
    dir=${2:?usage: postgres.sh start DIR}
    bin=$(pg_bin) || { echo "postgres.sh: no PostgreSQL server installed (initdb not found)" >&2; exit 1; }
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { echo "postgres.sh: initdb failed, see $dir/initdb.log" >&2; exit 1; }
    # Test speed over durability; the socket lives in DIR, no TCP port is opened.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      >/dev/null || { echo "postgres.sh: server did not start, see $dir/server.log" >&2; exit 1; }
    "$bin/psql" -h "$dir" -U postgres -d postgres -qAt -c "CREATE DATABASE matchmaker_test" >/dev/null
    # Every database made later from template1 has pgvector ready when it is installed.
    "$bin/psql" -h "$dir" -U postgres -d template1 -qAt -c "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null 2>&1 || true
    "$bin/psql" -h "$dir" -U postgres -d matchmaker_test -qAt -c "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null 2>&1 || true
    echo "postgresql+psycopg://postgres@/matchmaker_test?host=$dir"
    ;;
  stop)
    dir=${2:?usage: postgres.sh stop DIR}
    bin=$(pg_bin)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: postgres.sh install | start DIR | stop DIR" >&2
    exit 2
    ;;
esac
