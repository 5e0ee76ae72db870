#!/usr/bin/env bash
# The main job: builds Ordeal (release) and runs the acceptance suite (Scenarios/) on embedded
# SQLite, writing Reports/<run id>/ (report.md, report.json, each scenario's history) with
# Reports/latest pointing at it. Exits with the run's code: 0 passed, 1 failed, 2 bad input,
# 3 unknown. Extra arguments go to `ordeal run` (e.g. a scenario file, --seed N).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
swift build -c release --product ordeal-worker 2>&1 | tail -n 1
swift build -c release --product ordeal 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
status=0
"$bin/ordeal" run "$@" || status=$?
if [ -f Reports/latest/report.md ]; then
    echo "acceptance: $(readlink Reports/latest) (exit $status); read Reports/latest/report.md"
fi
exit "$status"
