#!/usr/bin/env bash
# Draws docs/yixinqiao.png, the README's picture of the yixinqiao allocation:
# allocates the fixture, renders the SVG map (Chinese labels) with a household
# lookup below it (two households and their reasons, in the same language),
# then takes a screenshot with headless Chromium, offline, at the map's width.
# Needs chromium and fonts-noto-cjk: `bash .ci/browser-deps.sh`.
#
#   bash scripts/readme-png.sh [zh|en] [width-px]
set -euo pipefail
cd "$(dirname "$0")/.."
lang="${1:-zh}"
width="${2:-1600}"
work="target/readme"
mkdir -p "$work" docs
f=fixtures/yixinqiao
cargo run --quiet --example render_map -- \
    "$f/layout.geojson" "$f/households.csv" "$f/policy.json" "$lang" "$width" "$work/yixinqiao.svg"
# The SVG's pixel size, so the screenshot is exactly the drawing.
height="$(grep -o 'height="[0-9]*"' "$work/yixinqiao.svg" | head -n 1 | tr -dc 0-9)"
height=$((height + 130))  # the lookup lines below the map
chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --disable-quic \
    --hide-scrollbars --user-data-dir="$profile" --window-size="$width,$height" \
    --screenshot="$PWD/docs/yixinqiao.png" "file://$PWD/$work/yixinqiao.html" 2>/dev/null
ls -l docs/yixinqiao.png
