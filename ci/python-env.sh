#!/usr/bin/env bash
# Creates .venv/ (once) with the pinned Python packages of ci/requirements-check.txt, and puts
# Jenkins' JUnit schema (junit-10.xsd, shipped in pytest's source distribution) at
# .venv/share/junit-10.xsd. Prints the venv's python. Safe to run again.
#
#   python-env.sh --cores   instead: .venv-cores/ with the real cores of ci/requirements-cores.txt
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv requirements=ci/requirements-check.txt pip_flags=()
# The cores' file pins every package, dependencies included (--no-deps: nothing unpinned comes in).
if [ "${1:-}" = "--cores" ]; then venv=.venv-cores requirements=ci/requirements-cores.txt pip_flags=(--no-deps); fi
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv" >&2; fi
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
    "$venv/bin/pip" install -q --disable-pip-version-check "${pip_flags[@]}" -r "$requirements" >&2
    cp "$requirements" "$stamp"
fi
if [ "$venv" = .venv-cores ]; then
    echo "$PWD/$venv/bin/python"
    exit 0
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
