#!/usr/bin/env bash
# Installs the Debian tools the tests check imgc's output with: skopeo and umoci read the
# layout, runc runs the image, podman loads the archive, apt-ftparchive, gpg and dpkg-deb build
# the signed fixture repository. Needs root (or sudo) and the machine's apt sources.
set -euo pipefail

packages=(skopeo umoci runc podman apt-utils gnupg xz-utils zstd dpkg)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test tools: all installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "test tools: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
