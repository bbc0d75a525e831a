#!/usr/bin/env bash
# Installs the Debian packages the project needs, only when something is missing:
# PostGIS for PostgreSQL 15, Chromium and CJK fonts for the browser tests, GDAL's tools for the
# GIS-client tests, Node.js/npm for the front-end build. Idempotent.
set -euo pipefail

need=()
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v chromium >/dev/null || need+=(chromium)
# Chinese glyphs for the browser tests' screenshots (without it they render as boxes).
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
command -v ogrinfo >/dev/null || need+=(gdal-bin)
command -v npm >/dev/null || need+=(nodejs npm)

if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
