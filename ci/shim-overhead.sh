#!/usr/bin/env bash
# What the fault shim costs: `ordeal bench` (checkpoint.commit and raw.insert_txn, durability
# normal) run without the shim, with it loaded but inactive, and with power-loss journaling on,
# in interleaved rounds so that machine drift hits all three alike. Prints each round's P50s and
# the medians, with the ratios to the run without the shim. Release build.
#   bash ci/shim-overhead.sh [ROUNDS] [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
iterations=${2:-20000}
swift build -c release --product ordeal 2>&1 | tail -n 1 >&2
ordeal=.build/release/ordeal
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ((r = 1; r <= rounds; r++)); do
    for mode in plain inactive journal; do
        dir="$work/$mode-$r"
        mkdir -p "$dir"
        bench=("$ordeal" bench --directory "$dir" --backend sqlite:normal --ops checkpoint.commit,raw.insert_txn
            --iterations "$iterations" --json "$work/$mode-$r.json")
        case $mode in
        plain) "${bench[@]}" >/dev/null 2>&1 ;;
        inactive) "$ordeal" shim run --data "$dir" -- "${bench[@]}" >/dev/null 2>&1 ;;
        journal) "$ordeal" shim run --data "$dir" --journal -- "${bench[@]}" >/dev/null 2>&1 ;;
        esac
    done
    echo "round $r of $rounds done" >&2
done
python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
p50 = {}
for mode in ("plain", "inactive", "journal"):
    for r in range(1, rounds + 1):
        for row in json.load(open(f"{work}/{mode}-{r}.json"))["results"]:
            p50.setdefault((mode, row["op"]), []).append(row["p50_us"])
print("P50 µs per round (durability normal)")
for (mode, op), values in sorted(p50.items()):
    print(f"  {mode:8} {op:18} " + " ".join(f"{v:7.1f}" for v in values))
print("median P50 and ratio to the run without the shim")
for op in ("checkpoint.commit", "raw.insert_txn"):
    base = statistics.median(p50[("plain", op)])
    for mode in ("plain", "inactive", "journal"):
        m = statistics.median(p50[(mode, op)])
        print(f"  {op:18} {mode:8} {m:7.1f} µs  x{m / base:.3f}")
PY
