#!/usr/bin/env bash
# Installs what Ordeal needs on a fresh Debian machine with Swift 6.3: the system SQLite and
# libunwind headers, PostgreSQL for the postgres backend (ci/postgres.sh), and xmllint for the
# independent check of junit.xml (ci/independent-check.sh). Safe to run
# again: it installs only what is missing.
set -euo pipefail

need=()
for pkg in libsqlite3-dev libunwind-dev postgresql libxml2-utils; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
    echo "setup: installing ${need[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH; install Swift 6.3 first" >&2; exit 2; }
