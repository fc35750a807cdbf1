#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: a fresh cluster in a temporary folder,
# listening on 127.0.0.1 on a free port, trust authentication, stopped and deleted on exit.
# The command finds the server in PRESIDIO_TEST_POSTGRES_URL.
#
#   scripts/with-postgres.sh cargo test --test it
#
# Exit code 3 means no PostgreSQL server binaries were found.
set -euo pipefail

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && bindir=$candidate
  done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "with-postgres: no PostgreSQL server binaries (initdb) found" >&2
  exit 3
fi

# initdb refuses to run as root: run the server as the postgres user then.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  as_pg=(runuser -u postgres --)
fi

dir=$(mktemp -d /tmp/presidio-pg.XXXXXX)
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=200" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }

echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
export PRESIDIO_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
"$@"
