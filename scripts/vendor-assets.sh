#!/usr/bin/env bash
# Copies the front-end assets Presidio embeds from their npm packages into crates/web/static/vendor.
# The copied files are committed, so building Presidio never needs npm. Run this only to upgrade.
set -euo pipefail

BOOTSTRAP_ITALIA=2.18.3
HTMX=2.0.11
HTMX_SSE=2.2.4

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/crates/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm install --silent --no-audit --no-fund --prefix "$work" \
  "bootstrap-italia@$BOOTSTRAP_ITALIA" "htmx.org@$HTMX" "htmx-ext-sse@$HTMX_SSE"
nm="$work/node_modules"

rm -rf "$dest"
mkdir -p "$dest/bootstrap-italia/css" "$dest/bootstrap-italia/js" "$dest/bootstrap-italia/svg" \
  "$dest/bootstrap-italia/fonts" "$dest/htmx"

bi="$nm/bootstrap-italia"
cp "$bi/dist/css/bootstrap-italia.min.css" "$dest/bootstrap-italia/css/"
cp "$bi/dist/js/bootstrap-italia.bundle.min.js" "$dest/bootstrap-italia/js/"
cp "$bi/dist/svg/sprites.svg" "$dest/bootstrap-italia/svg/"
cp "$bi/LICENSE" "$dest/bootstrap-italia/LICENSE.txt"
for family in Titillium_Web Lora Roboto_Mono; do
  mkdir -p "$dest/bootstrap-italia/fonts/$family"
  cp "$bi/dist/fonts/$family/"*.woff2 "$dest/bootstrap-italia/fonts/$family/"
  if [ -f "$bi/dist/fonts/$family/LICENSE.txt" ]; then
    cp "$bi/dist/fonts/$family/LICENSE.txt" "$dest/bootstrap-italia/fonts/$family/"
  fi
done
# The source maps are not shipped: drop the trailing reference so browsers do not ask for them.
sed -i '/^\/\*# sourceMappingURL=.*\*\/$/d' "$dest/bootstrap-italia/css/bootstrap-italia.min.css"

cp "$nm/htmx.org/dist/htmx.min.js" "$dest/htmx/htmx.min.js"
cp "$nm/htmx.org/LICENSE" "$dest/htmx/LICENSE.txt"
cp "$nm/htmx-ext-sse/dist/sse.min.js" "$dest/htmx/sse.min.js"
cp "$nm/htmx-ext-sse/LICENSE" "$dest/htmx/LICENSE-sse.txt"

cat > "$dest/VERSIONS.txt" <<VERSIONS
bootstrap-italia $BOOTSTRAP_ITALIA
htmx.org $HTMX
htmx-ext-sse $HTMX_SSE
VERSIONS
echo "vendored into $dest"
