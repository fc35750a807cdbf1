#!/usr/bin/env bash
# Person-scale benchmark of "già noto al servizio?": fill a database with PERSONS synthetic
# reports, each naming one person (2,400 distinct names, so common ones recur), then measure the
# candidate search at intake (a known name with a typo and the words swapped) with wrk and
# CONNECTIONS concurrent clients, and, in the same run, the bare readiness route as the
# machine's own limit. SQLite by default; with DATABASE=postgres a throwaway PostgreSQL cluster
# (scripts/with-postgres.sh). Bounded: each run lasts DURATION seconds.
#
#   cargo build --release && bench/persons.sh
#   DATABASE=postgres bench/persons.sh
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-10}
connections=${CONNECTIONS:-16}
persons=${PERSONS:-100000}
# shellcheck source=bench/database.sh
source bench/database.sh
echo "database: ${DATABASE:-sqlite}"
start=$(date +%s)
"$bin" bench-data --reports "$persons" --database "$db" 2>/dev/null | tail -1
echo "filled in $(( $(date +%s) - start )) s"
echo "$password" | "$bin" user add --username bench --name "Utente Benchmark" \
  --role operatore_centrale --password-stdin --database "$db" >/dev/null

"$bin" serve --addr "127.0.0.1:$port" --database "$db" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
base="http://127.0.0.1:$port"
until curl -fs "$base/readyz" >/dev/null; do sleep 0.05; done
token=$(curl -fs -X POST "$base/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"username\":\"bench\",\"password\":\"$password\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
run() {
  local clients=${2:-$connections}
  echo
  echo "GET $1 ($clients connections, ${duration}s)"
  wrk -t"$(( clients < 2 ? 1 : 2 ))" -c"$clients" -d"${duration}s" --latency \
    -H "Authorization: Bearer $token" "$base$1" \
    | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
}
query="/api/v1/persons/candidates?name=Rossi%20Mraio&sex=M&birth_year=1980&municipality=015182"
echo "candidates: $(curl -fs -H "Authorization: Bearer $token" "$base$query" \
  | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')"
run /readyz
# One call-taker typing, then CONNECTIONS at once.
run "$query" 1
run "$query"
# A rarer name, and a fiscal code (the exact match first).
run "/api/v1/persons/candidates?name=Olena%20Kovalenko&sex=F&municipality=015182"
run "/api/v1/persons/candidates?name=Nessuno&fiscal_code=RSSMRA80A01F205X"
echo
echo "RSS after load: $(rss)"
