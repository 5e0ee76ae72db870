#!/usr/bin/env bash
# Verdicts on real recovery cores (docs/cores.md): installs the pinned cores into .venv-cores/
# (ci/python-env.sh --cores), runs each core's suite through its adapter
# (Examples/cores/NAME/adapter.py, its limitations.yaml as --limitations) and checks every
# verdict against the rows docs/cores.md publishes (ci/cores_verdicts.py): a library upgrade
# that changes a verdict fails here instead of leaving a stale document. Starts a throwaway
# PostgreSQL cluster (ci/postgres.sh) when a core runs on PostgreSQL.
#
#   bash ci/cores.sh              every core, its suite.txt (what CI runs)
#   bash ci/cores.sh NAME ...     those cores
#   bash ci/cores.sh --full NAME  every scenario of Scenarios/ (the full run; its verdicts are
#                                 reported, only suite.txt's are checked)
#
# suite.txt holds one `BACKEND SCENARIO` per line (BACKEND sqlite or postgres). Each run folder
# is Reports/cores/NAME-BACKEND/. Exit 0 when every verdict is as published, 1 otherwise, 2 on
# bad input. Expects nothing built: it builds ordeal (release) itself.
set -euo pipefail
cd "$(dirname "$0")/.."
full=false
if [ "${1:-}" = "--full" ]; then full=true; shift; fi
cores=("$@")
if [ ${#cores[@]} -eq 0 ]; then
    for folder in Examples/cores/*/; do cores+=("$(basename "$folder")"); done
fi
for core in "${cores[@]}"; do
    for file in adapter.py suite.txt; do
        if [ ! -f "Examples/cores/$core/$file" ]; then
            echo "cores: Examples/cores/$core/$file: no such file; a core is a folder of Examples/cores/ with adapter.py and suite.txt (available: $(ls Examples/cores | tr '\n' ' '))" >&2
            exit 2
        fi
    done
done
python=$(bash ci/python-env.sh --cores)
swift build -c release --product ordeal-worker 2>&1 | tail -n 1
swift build -c release --product ordeal 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
trap 'if [ -n "${ORDEAL_POSTGRES_STATE:-}" ]; then bash ci/postgres.sh stop >/dev/null 2>&1 || true; fi; rm -rf "$work"' EXIT
url=${ORDEAL_POSTGRES_URL:-}
status=0
for core in "${cores[@]}"; do
    folder="Examples/cores/$core"
    for backend in sqlite postgres; do
        scenarios=()
        while read -r b name rest; do
            case "$b" in ''|'#'*) continue ;; esac
            if [ -n "$rest" ] || { [ "$b" != sqlite ] && [ "$b" != postgres ]; }; then
                echo "cores: $folder/suite.txt: '$b $name $rest': each line is BACKEND SCENARIO (sqlite or postgres), e.g. 'sqlite kill9-recovery'" >&2
                exit 2
            fi
            [ "$b" = "$backend" ] && scenarios+=("Scenarios/$name.yaml")
        done < "$folder/suite.txt"
        [ ${#scenarios[@]} -gt 0 ] || continue
        if $full; then scenarios=(Scenarios); fi
        args=(run "${scenarios[@]}" --worker "$python $folder/adapter.py" --out "Reports/cores/$core-$backend" --replace)
        [ -f "$folder/limitations.yaml" ] && args+=(--limitations "$folder/limitations.yaml")
        [ -f "$folder/run-options" ] && read -r -a extra < "$folder/run-options" && args+=("${extra[@]}")
        if [ "$backend" = postgres ]; then
            if [ -z "$url" ]; then
                export ORDEAL_POSTGRES_STATE="$work/postgres.state"
                url=$(bash ci/postgres.sh start | tail -n 1)
            fi
            args+=(--backend "$url")
        fi
        echo "cores: $core on $backend: ${#scenarios[@]} scenario file(s)"
        start=$(date +%s)
        run_status=0
        "$bin/ordeal" "${args[@]}" || run_status=$?
        echo "cores: $core on $backend: ordeal run exit $run_status in $(( $(date +%s) - start )) s (Reports/cores/$core-$backend/report.md)"
        if [ "$run_status" -eq 2 ] || [ ! -f "Reports/cores/$core-$backend/report.json" ]; then
            echo "cores: $core on $backend: the run did not complete (exit $run_status)" >&2
            status=1
            continue
        fi
        if $full; then continue; fi
        python3 ci/cores_verdicts.py docs/cores.md "$core" "$backend" "Reports/cores/$core-$backend/report.json" || status=1
    done
done
echo "cores: exit $status"
exit "$status"
