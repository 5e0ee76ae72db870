#!/usr/bin/env bash
# The test command: installs what is missing, runs the unit and end-to-end tests, then the
# acceptance run end to end, then the signal-only scenarios again with the fault shim loaded
# (inactive) into every worker. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
swift build --build-tests 2>&1 | tail -n 5
swift test --skip-build
bash ci/acceptance.sh
bash ci/shim-inactive.sh
