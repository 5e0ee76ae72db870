#!/usr/bin/env bash
# The test command: installs what is missing, runs the Python worker kit's tests, the unit and
# end-to-end tests, then the
# acceptance run end to end, then a signed run checked by independent implementations of its
# formats (ci/independent-check.sh), then the signal-only scenarios again with the fault shim loaded
# (inactive) into every worker, then the suite on a throwaway PostgreSQL cluster, then the
# verdicts docs/cores.md publishes on real cores (ci/cores.sh). `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
# The Python worker kit's own tests (standard library only, a few seconds).
python3 -m unittest discover -s Tests/PythonKitTests
swift build --build-tests 2>&1 | tail -n 5
swift test --skip-build
bash ci/acceptance.sh
bash ci/independent-check.sh
bash ci/shim-inactive.sh
bash ci/acceptance-postgres.sh
bash ci/cores.sh
