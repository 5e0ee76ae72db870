#!/usr/bin/env bash
# The main job: builds Ordeal (release), runs the acceptance suite (Scenarios/) on embedded
# SQLite into Reports/<run id>/ (Reports/latest points at it), signs the run when a key is
# given, verifies it, and exits with the run's code (0 passed, 1 failed, 2 bad input,
# 3 unknown); a verification failure makes it exit 1.
#
#   ORDEAL_SIGNING_KEY   a private key PEM (from `ordeal keygen`): the run is signed with it
#   ORDEAL_PUBLIC_KEY    a path to the matching public key PEM: the signature is verified with it
#
# Extra arguments go to `ordeal run` (e.g. a scenario file, --seed N).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
swift build -c release --product ordeal-worker 2>&1 | tail -n 1
swift build -c release --product ordeal 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
status=0
"$bin/ordeal" run "$@" || status=$?
if [ ! -f Reports/latest/report.json ]; then
    echo "acceptance: no report was written (exit $status)" >&2
    exit "$status"
fi
verify=(verify Reports/latest)
# Without a key the run is unsigned: only its integrity can be checked, and the flag says so.
if [ -n "${ORDEAL_PUBLIC_KEY:-}" ]; then verify+=(--pubkey "$ORDEAL_PUBLIC_KEY"); else verify+=(--integrity-only); fi
if ! "$bin/ordeal" "${verify[@]}"; then
    echo "acceptance: Reports/latest does not verify" >&2
    [ "$status" -ne 0 ] || status=1
fi
echo "acceptance: Reports/$(readlink Reports/latest) (exit $status); read Reports/latest/report.md"
exit "$status"
