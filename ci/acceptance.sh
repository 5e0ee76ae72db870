#!/usr/bin/env bash
# The main job: builds Ordeal (release) and runs the acceptance demonstration on embedded
# SQLite, writing its files under Reports/<run id>/ (Reports/latest points at the newest).
# Until the scenario runner lands, the acceptance run is `ordeal demo`: a task killed with
# SIGKILL mid-run, resumed, and checked. Exit code: the run's (0 passed, 1 failed, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
swift build -c release --product ordeal-worker 2>&1 | tail -n 3
swift build -c release --product ordeal 2>&1 | tail -n 3
bin=$(swift build -c release --show-bin-path)
run_id="demo-$(date -u +%Y%m%dT%H%M%SZ)-$$"
mkdir -p Reports
status=0
"$bin/ordeal" demo --directory "Reports/$run_id" | tee "Reports/$run_id.txt" || status=$?
mv "Reports/$run_id.txt" "Reports/$run_id/transcript.txt"
ln -sfn "$run_id" Reports/latest
echo "acceptance: Reports/$run_id (exit $status)"
exit "$status"
