#!/usr/bin/env bash
# Install Debian's chromium (the browser the browser tests drive through Playwright's
# `executable_path`) when it is missing. Playwright's own browser download is never used: CI has
# no network beyond the Debian mirror, and a distro build is patched and reproducible.
# Needs root (or passwordless sudo) only when something has to be installed.
set -euo pipefail

CHROMIUM="${IMETBOOK_CHROMIUM:-/usr/bin/chromium}"
# chromium: the browser; fonts-dejavu-core: a font for pages and screenshots without one installed.
PACKAGES=(chromium fonts-dejavu-core)

missing=()
[[ -x "$CHROMIUM" ]] || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-dejavu-core 2>/dev/null | grep -q "ok installed" \
  || missing+=(fonts-dejavu-core)

if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "error: need root to install ${missing[*]}" >&2; exit 1; }
  SUDO="sudo -n"
fi

echo "installing ${missing[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null

"$CHROMIUM" --version >/dev/null || { echo "error: $CHROMIUM does not run" >&2; exit 1; }
