#!/usr/bin/env bash
# The API against its own OpenAPI document: schemathesis (from PyPI, in a virtualenv under the
# cache) drives a fresh Presidio with generated requests, valid and not, for a bounded time, and
# fails on any answer the document does not describe (a 5xx, an undeclared status, a body that
# breaks its schema, an invalid request accepted).
# Usage: scripts/contract.sh PRESIDIO_BINARY [SECONDS]
# Exit 3: schemathesis could not be installed.
set -euo pipefail
bin=$1
seconds=${2:-240}
venv="${PRESIDIO_CONTRACT_VENV:-$HOME/.cache/presidio-schemathesis}"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv" >/dev/null 2>&1 || exit 3
  "$venv/bin/pip" install -q 'schemathesis==4.32.5' >/tmp/presidio-schemathesis-install.log 2>&1 \
    || { tail -5 /tmp/presidio-schemathesis-install.log; exit 3; }
fi
work=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export PRESIDIO_DATA_DIR="$work/data" PRESIDIO_LOG=warn
password='vT9#qLm2-Rw8zKp4'
echo "$password" | "$bin" user add --username contratto --name "Prova Contratto" \
  --role coordinatore --password-stdin >/dev/null
PRESIDIO_ADDR="127.0.0.1:$port" "$bin" serve >"$work/server.log" 2>&1 &
server=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fs "$url/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
token=$(curl -fs -X POST "$url/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"username\":\"contratto\",\"password\":\"$password\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# Every check, on every operation; scripts/schemathesis.toml names the few operations whose
# valid requests depend on what the document cannot state (periods, record state), where the
# check that every allowed request is accepted is off, and why.
config="$(cd "$(dirname "$0")" && pwd)/schemathesis.toml"
# From the throwaway folder: schemathesis keeps its cache in the current one.
cd "$work"
"$venv/bin/schemathesis" --config-file "$config" run \
  "$url/api/v1/openapi.json" --url "$url" \
  -H "Authorization: Bearer $token" \
  --max-time "$seconds" -n 25 --workers 1 --seed 20261202 --no-color
