#!/usr/bin/env bash
# Debian packages the bedside app needs to render headless under SDL's offscreen EGL
# (Mesa) and to start without Kivy's multitouch probe failing (libmtdev). Installs only
# what is missing, so it is a no-op on a machine that has them.
set -euo pipefail
PACKAGES=(libegl1 libegl-mesa0 libgl1-mesa-dri libgl1 libmtdev1)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
