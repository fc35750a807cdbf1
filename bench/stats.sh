#!/usr/bin/env bash
# Planning-data benchmark: import REPORTS (1,000,000) generated historical reports spread from
# July 2023 to November 2026 over the nine municipalities through `presidio import reports`,
# then measure the activity report and the dashboard over the whole period (API with a bearer
# token, and the dashboard page) with wrk: one client at a time, so the latencies are those of
# one coordinator. SQLite by default; DATABASE=postgres on a throwaway cluster.
#
#   cargo build --release && bench/stats.sh
#   DATABASE=postgres bench/stats.sh
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-10}
reports=${REPORTS:-1000000}
# shellcheck source=bench/database.sh
source bench/database.sh
echo "database: ${DATABASE:-sqlite}, reports: $reports"
python3 - "$reports" > "$dir/storico.csv" <<'PY'
import random, sys
random.seed(7)
n = int(sys.argv[1])
places = ["015009", "015087", "015116", "015170", "015176", "015179", "015182", "015211", "015229"]
kinds = ["carabinieri", "polizia_stato", "polizia_locale", "pronto_soccorso", "servizio_118",
         "servizi_sociali", "terzo_settore", "cittadino", "altro"]
groups = ["senza_dimora", "grave_emarginazione", "msna", "fragilita", "emergenza_abitativa",
          "violenza_genere", "altro"]
start = 1688162400  # 1 July 2023, 00:00 in Rome
span = 1795000000 - start  # to late November 2026
out = sys.stdout
out.write("received_at;municipality;channel;reporter_kind;target_group;outcome;not_pertinent_reason;description;persons\n")
for i in range(n):
    t = start + random.randrange(span)
    outcome = random.choice(["non_pertinente", "urgenza", "emergenza"])
    reason = random.choice(["casistica", "richiesta"]) if outcome == "non_pertinente" else ""
    stamp = __import__("datetime").datetime.fromtimestamp(t, __import__("datetime").timezone.utc)
    out.write(f"{stamp:%Y-%m-%dT%H:%M:%SZ};{random.choice(places)};telefono;{random.choice(kinds)};"
              f"{random.choice(groups)};{outcome};{reason};Caso {i};1\n")
PY
start=$(date +%s)
"$bin" import reports "$dir/storico.csv" --database "$db" | tail -1
echo "imported in $(( $(date +%s) - start )) s"
echo "$password" | "$bin" user add --username bench --name "Utente Benchmark" --role coordinatore \
  --password-stdin --database "$db" >/dev/null

"$bin" serve --addr "127.0.0.1:$port" --database "$db" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
base="http://127.0.0.1:$port"
until curl -fs "$base/readyz" >/dev/null; do sleep 0.05; done
token=$(curl -fs -H 'content-type: application/json' \
  -d "{\"username\":\"bench\",\"password\":\"$password\"}" "$base/api/v1/auth/token" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
jar="$dir/cookies"
csrf=$(curl -fs -c "$jar" "$base/accesso" | grep -o 'name="csrf" value="[0-9a-f]*' | head -1 | cut -d'"' -f4)
curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "username=bench" \
  --data-urlencode "password=$password" "$base/accesso"
session=$(awk '$6 == "presidio_session" {print $7}' "$jar")
period="from=2023-07-01&to=2026-11-30"
curl -fs -H "Authorization: Bearer $token" "$base/api/v1/stats/activity?$period" \
  | python3 -c 'import json,sys; a=json.load(sys.stdin); print("activity over the period:", a["reports"], "reports")'
run() {
  echo
  echo "GET $2 (1 connection, ${duration}s)"
  wrk -t1 -c1 -d"${duration}s" --latency -H "$1" "$base$2" \
    | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
}
run "Authorization: Bearer $token" "/api/v1/stats/activity?$period"
run "Authorization: Bearer $token" "/api/v1/stats/dashboard?$period"
run "Cookie: presidio_session=$session" "/statistiche/cruscotto?dal=2023-07-01&al=2026-11-30"
echo
echo "RSS after load: $(awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status")"
