# Shared by the data-scale benchmarks (sourced from the repository root): checks wrk and the
# release build, moves to a throwaway PostgreSQL cluster when DATABASE=postgres, and sets
# `bin`, `dir` (a temporary folder), `db` (the database URL), `port` and `password`.
bin=${PRESIDIO_BIN:-${CARGO_TARGET_DIR:-target}/release/presidio}
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }

if [ "${DATABASE:-sqlite}" = postgres ] && [ -z "${PRESIDIO_TEST_POSTGRES_URL:-}" ]; then
  exec scripts/with-postgres.sh env DATABASE=postgres "$0" "$@"
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if [ "${DATABASE:-sqlite}" = postgres ]; then
  admin=$PRESIDIO_TEST_POSTGRES_URL
  psql "$admin" -qc "CREATE DATABASE presidio_bench" >/dev/null
  db="${admin%/*}/presidio_bench"
else
  db="sqlite://$dir/presidio.db"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
password="cavallo batteria graffetta"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
