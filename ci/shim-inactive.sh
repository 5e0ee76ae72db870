#!/usr/bin/env bash
# Shows that an inactive fault shim changes nothing: runs every scenario of Scenarios/ that
# injects only signals (kill, pause) with the shim loaded into every worker
# (`ordeal run --shim always`), thresholds included, into a temporary folder. Exits with the
# run's code. Expects a release build (ci/acceptance.sh makes one).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build -c release --show-bin-path)
scenarios=()
for file in Scenarios/*.yaml; do
    # Signal faults only, and meant for SQLite (not `backends: [postgres]`).
    grep -qE 'kind: (disk-full|io-error|clock-skew|power-loss|command)|^backends:' "$file" || scenarios+=("$file")
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
"$bin/ordeal" run "${scenarios[@]}" --shim always --out "$out/run" || status=$?
echo "shim-inactive: ${#scenarios[@]} signal-only scenarios with the shim loaded everywhere: exit $status"
exit "$status"
