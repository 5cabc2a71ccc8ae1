#!/bin/sh
# SPDX-License-Identifier: MIT
# deps.sh: installs the Debian packages that building and testing casebook
# need, if any is missing (apt-get update once, then apt-get install -y).
# Run as root on Debian 12; does nothing when everything is there. (g++
# compiles the public headers as C++: tests/layers/headers.sh. The
# static link of the install layer follows libmicrohttpd's
# Requires.private to GnuTLS and libidn2, whose -lunistring Debian 12's
# libidn2-dev does not bring: libunistring-dev.)
set -eu
pkgs="build-essential g++ pkg-config libcmark-gfm-dev libcmark-gfm-extensions-dev
cmark-gfm liblua5.4-dev libgit2-dev libxml2-dev libjansson-dev libmicrohttpd-dev libunistring-dev git time
libxml2-utils nodejs chromium neovim"
missing=
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: missing Debian packages:$missing (run as root to install them)" >&2
  exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $missing >/dev/null
