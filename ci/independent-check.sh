#!/usr/bin/env bash
# A signed run checked by others' code: makes a key, runs three scenarios (one with a declared
# expected failure) signed into a temporary folder, and has ci/independent_check.py verify it
# with securesystemslib, jsonschema and xmllint + junitparser, then fail a tampered copy with
# each. Expects a release build (ci/acceptance.sh makes one). Exits 0 only when all of it holds.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(bash ci/python-env.sh)
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/ordeal" keygen --out "$work/key" >/dev/null
"$bin/ordeal" run Scenarios/kill9-recovery.yaml Scenarios/power-loss-normal.yaml Scenarios/lease-expiry-takeover.yaml \
    --out "$work/run" --sign-key "$work/key.key" >/dev/null
"$bin/ordeal" verify "$work/run" --pubkey "$work/key.pub"
"$python" ci/independent_check.py "$work/run" "$work/key.pub" .venv/share/junit-10.xsd
