#!/usr/bin/env bash
# Installs what the browser tests and the README's PNG need, from Debian's
# packages: headless Chromium, its WebDriver (chromedriver) and CJK fonts so
# that Chinese labels render. Idempotent: does nothing when all are present.
# (.ci/deps.sh installs the same packages with the rest; this script is for
# a machine that only needs the browser.)
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
# fonts-noto-cjk provides "Noto Sans CJK SC", the first font of the map's stack.
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)

if [ ${#need[@]} -eq 0 ]; then
    echo "browser-deps: chromium, chromedriver and CJK fonts already installed"
    exit 0
fi

echo "browser-deps: installing ${need[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
chromium --version
chromedriver --version
