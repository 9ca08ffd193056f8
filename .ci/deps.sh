#!/usr/bin/env bash
# Installs the system packages the tests need, when missing (idempotent).
#  - coinor-libcbc-dev: the optional good_lp CBC backend (`--features coin_cbc`)
#  - chromium, chromium-driver: the real-browser tests of the web page
#  - fonts-noto-cjk: Chinese labels in browser screenshots and PNG renderings
#  - postgresql: the PostgreSQL store tests start their own server (initdb, pg_ctl)
#  - gdal-bin: ogr2ogr, run by tests/gis_exports.rs to export the fixture as
#    QGIS/GDAL write layouts (GeoJSON, GeoPackage, UTM, CGCS2000 Gauss–Krüger)
set -euo pipefail
need=()
dpkg -s coinor-libcbc-dev >/dev/null 2>&1 || need+=(coinor-libcbc-dev)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v ogr2ogr >/dev/null 2>&1 || need+=(gdal-bin)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
