#!/usr/bin/env bash
# Creates .venv/ (once) with the pinned Python packages of ci/requirements-check.txt, and puts
# Jenkins' JUnit schema (junit-10.xsd, shipped in pytest's source distribution) at
# .venv/share/junit-10.xsd. Prints the venv's python. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
stamp="$venv/.requirements-check"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv" >&2; fi
if ! cmp -s ci/requirements-check.txt "$stamp" 2>/dev/null; then
    "$venv/bin/pip" install -q --disable-pip-version-check -r ci/requirements-check.txt >&2
    cp ci/requirements-check.txt "$stamp"
fi
xsd="$venv/share/junit-10.xsd"
if [ ! -f "$xsd" ]; then
    work=$(mktemp -d)
    "$venv/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary :all: pytest==8.3.4 -d "$work" >&2
    mkdir -p "$venv/share"
    tar -xzf "$work"/pytest-8.3.4.tar.gz -C "$work" pytest-8.3.4/testing/example_scripts/junit-10.xsd
    mv "$work"/pytest-8.3.4/testing/example_scripts/junit-10.xsd "$xsd"
    rm -rf "$work"
fi
echo "$PWD/$venv/bin/python"
