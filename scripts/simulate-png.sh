#!/usr/bin/env bash
# Draws docs/simulation.png, the README's chart of `allot simulate` on the
# Yixinqiao fixture (20 redraws under each rotation mode), with headless
# Chromium, offline, at the SVG's own size. Needs chromium and
# fonts-noto-cjk: `bash .ci/browser-deps.sh`.
#
#   bash scripts/simulate-png.sh [en|zh] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
lang="${1:-en}"
rounds="${2:-20}"
work="target/readme/simulation"
mkdir -p "$work" docs
f=fixtures/yixinqiao
cargo run --quiet -- simulate --layout "$f/layout.geojson" --households "$f/households.csv" \
    --policy "$f/policy.json" --rounds "$rounds" --lang "$lang" --out "$work"
width="$(grep -o 'width="[0-9.]*"' "$work/simulation.svg" | head -n 1 | tr -dc 0-9.)"
height="$(grep -o 'height="[0-9.]*"' "$work/simulation.svg" | head -n 1 | tr -dc 0-9.)"
chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --disable-quic \
    --hide-scrollbars --user-data-dir="$profile" --window-size="${width%.*},${height%.*}" \
    --screenshot="$PWD/docs/simulation.png" "file://$PWD/$work/simulation.svg" 2>/dev/null
ls -l docs/simulation.png
