#!/usr/bin/env bash
# Installs what the browser tests and the README's PNG need, from Debian's
# packages: headless Chromium, its WebDriver (chromedriver) and CJK fonts so
# that Chinese labels render. Idempotent: does nothing when all are present.
# Needs root (CI runs as root); run with sudo elsewhere.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
# fonts-noto-cjk provides "Noto Sans CJK SC", the first font of the map's stack.
# (The font list is read into a variable first: `grep -q` closing the pipe
# early would make fc-list fail under pipefail.)
fonts="$(fc-list : family 2>/dev/null || true)"
if ! grep -q "Noto Sans CJK" <<<"$fonts"; then
    need+=(fonts-noto-cjk)
fi

if [ ${#need[@]} -eq 0 ]; then
    echo "browser-deps: chromium, chromedriver and CJK fonts already installed"
    exit 0
fi

echo "browser-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${need[@]}" fontconfig
fc-cache -f >/dev/null 2>&1 || true
chromium --version
chromedriver --version
