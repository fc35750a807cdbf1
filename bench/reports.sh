#!/usr/bin/env bash
# Data-scale benchmark of the Centrale: fill a database with REPORTS synthetic reports (1 in 500
# left open, as on a busy night), then measure the board (home page of a coordinator) and a report page with wrk and
# CONNECTIONS concurrent clients. SQLite by default; with DATABASE=postgres a throwaway
# PostgreSQL cluster (scripts/with-postgres.sh). Bounded: each run lasts DURATION seconds.
#
#   cargo build --release && bench/reports.sh
#   DATABASE=postgres bench/reports.sh
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-10}
connections=${CONNECTIONS:-64}
reports=${REPORTS:-100000}
# shellcheck source=bench/database.sh
source bench/database.sh
echo "database: ${DATABASE:-sqlite}"
start=$(date +%s)
"$bin" bench-data --reports "$reports" --database "$db" 2>/dev/null | tail -1
echo "filled in $(( $(date +%s) - start )) s"
echo "$password" | "$bin" user add --username bench --name "Utente Benchmark" --role coordinatore \
  --password-stdin --database "$db" >/dev/null

"$bin" serve --addr "127.0.0.1:$port" --database "$db" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
base="http://127.0.0.1:$port"
until curl -fs "$base/readyz" >/dev/null; do sleep 0.05; done
jar="$dir/cookies"
csrf=$(curl -fs -c "$jar" "$base/accesso" | grep -o 'name="csrf" value="[0-9a-f]*' | head -1 | cut -d'"' -f4)
curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "username=bench" \
  --data-urlencode "password=$password" "$base/accesso"
session=$(awk '$6 == "presidio_session" {print $7}' "$jar")
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
run() {
  echo
  echo "GET $1 (${connections} connections, ${duration}s)"
  wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Cookie: presidio_session=$session" "$base$1" \
    | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
}
run /
# Report 1 is open (an emergency): the page a coordinator opens from the board.
run /segnalazioni/1
echo
echo "RSS after load: $(rss)"
