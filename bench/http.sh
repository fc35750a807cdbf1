#!/usr/bin/env bash
# HTTP benchmark of a release build on loopback: start-up time, requests per second and latency of
# the main read paths, and the server's memory (RSS) before and after the load.
# Needs wrk (Debian package `wrk`). Bounded: each run lasts DURATION seconds.
#
#   cargo build --release && bench/http.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${PRESIDIO_BIN:-${CARGO_TARGET_DIR:-target}/release/presidio}
duration=${DURATION:-10}
connections=${CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
password="cavallo batteria graffetta"
echo "$password" | "$bin" user add --username bench --name "Utente Benchmark" --role coordinatore \
  --password-stdin --database "sqlite://$dir/presidio.db" >/dev/null
start=$(date +%s%N)
"$bin" serve --addr "127.0.0.1:$port" --database "sqlite://$dir/presidio.db" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.01; done
ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "first start (empty database, migrations and seed) to ready: ${ready_ms} ms"
echo "RSS after start: $(rss)"
base="http://127.0.0.1:$port"
login='{"username":"bench","password":"'"$password"'"}'
# Sign-in cost (Argon2id verification): 20 sequential logins through the API.
t0=$(date +%s%N)
for _ in $(seq 20); do
  token=$(curl -fs -H 'content-type: application/json' -d "$login" "$base/api/v1/auth/token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
done
echo "login (POST /api/v1/auth/token, Argon2id): $(( ($(date +%s%N) - t0) / 20000000 )) ms each"
echo "RSS after 20 logins: $(rss)"
# A browser session for the pages: the login form with its CSRF token.
jar="$dir/cookies"
csrf=$(curl -fs -c "$jar" "$base/accesso" | grep -o 'name="csrf" value="[0-9a-f]*' | head -1 | cut -d'"' -f4)
curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "username=bench" \
  --data-urlencode "password=$password" "$base/accesso"
session=$(awk '$6 == "presidio_session" {print $7}' "$jar")
run() {
  echo
  echo "GET $1 (${connections} connections, ${duration}s)"
  wrk -t2 -c"$connections" -d"${duration}s" --latency "${@:2}" "$base$1" \
    | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
}
run /readyz
run /api/v1/ambiti/rhodense/municipalities -H "Authorization: Bearer $token"
run /ambiti/rhodense -H "Cookie: presidio_session=$session"
echo
echo "RSS after load: $(rss)"
