#!/usr/bin/env bash
# Builds and installs pgvector for PostgreSQL MAJOR from the source vendored in third_party/pgvector
# (release v0.8.6, PostgreSQL licence). Debian bookworm ships no pgvector package, so this is the
# fallback of `.ci/postgres.sh install`; it needs root, Debian's server headers and a C compiler.
set -euo pipefail
major=${1:?usage: pgvector.sh MAJOR}
here=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "pgvector.sh: not root" >&2; exit 1; }
if [ ! -x "/usr/lib/postgresql/$major/bin/pg_config" ] || ! command -v make >/dev/null || ! command -v gcc >/dev/null; then
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-server-dev-$major" make gcc) >/dev/null 2>&1 \
    || { echo "pgvector.sh: could not install postgresql-server-dev-$major, make and gcc" >&2; exit 1; }
fi
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cp -r "$here/third_party/pgvector/." "$build/"
# OPTFLAGS="" : no -march=native, so the build runs on any x86-64 this disk is moved to.
make -s -C "$build" PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" OPTFLAGS="" >"$build/build.log" 2>&1 \
  && make -s -C "$build" PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" OPTFLAGS="" install >>"$build/build.log" 2>&1 \
  || { echo "pgvector.sh: build failed:" >&2; tail -20 "$build/build.log" >&2; exit 1; }
echo "pgvector.sh: installed pgvector $(sed -n "s/default_version = '\(.*\)'/\1/p" "$here/third_party/pgvector/vector.control") for PostgreSQL $major" >&2
