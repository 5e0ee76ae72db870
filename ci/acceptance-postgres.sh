#!/usr/bin/env bash
# The acceptance suite on PostgreSQL: starts a throwaway cluster (ci/postgres.sh), runs every
# scenario of Scenarios/ with `--backend` pointing at it (each scenario on a new database of
# its own; the scenarios whose disk, I/O and power faults cannot reach a server are left out,
# and the run says which), verifies the run folder, stops the cluster. Exits with the run's
# code. Expects a release build (ci/acceptance.sh makes one).
#
#   ORDEAL_POSTGRES_URL   a server of your own instead of a throwaway cluster
#
# Extra arguments go to `ordeal run` (e.g. a scenario file, --seed N).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
url=${ORDEAL_POSTGRES_URL:-}
if [ -z "$url" ]; then
    export ORDEAL_POSTGRES_STATE="$work/postgres.state"
    trap 'bash ci/postgres.sh stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
    # A 2 s deadline per statement (10 s by default): the network-fault scenarios wait out a
    # lost reply that long before the outcome is unknown.
    url="$(bash ci/postgres.sh start | tail -n 1)?timeout_ms=2000"
else
    trap 'rm -rf "$work"' EXIT
fi
echo "acceptance-postgres: server $url"
status=0
"$bin/ordeal" run "$@" --backend "$url" --out "$work/run" || status=$?
if ! "$bin/ordeal" verify "$work/run" --integrity-only; then
    echo "acceptance-postgres: the run folder does not verify" >&2
    [ "$status" -ne 0 ] || status=1
fi
cp "$work/run/report.md" Reports/postgres-report.md 2>/dev/null || true
echo "acceptance-postgres: exit $status (report: Reports/postgres-report.md)"
exit "$status"
