#!/usr/bin/env bash
# Benchmarks the differential lane (`ptx-harness fuzz`) and prints seeds per
# minute on this machine for level 1 and level 2, at sm_80 and sm_90, both
# opt levels, on the emulator, with an empty compile cache (its own work
# folder), and the per-step totals of the compiles (as bench-harness.sh).
# Numbers are wall-clock: compare them within one run.
#
# --quick (or BENCH_QUICK=1): a handful of seeds, for CI; it checks that the
# script runs to its end, not the numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_QUICK=${BENCH_QUICK:-0}
[ "${1:-}" = --quick ] && BENCH_QUICK=1
cargo build --workspace --quiet
if [ "$BENCH_QUICK" = 1 ]; then
    l1=0..4 l2=0..4
else
    l1=1000000..1000128 l2=1000000..1000064
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PTX_HARNESS_WORK_DIR="$work/harness"
h=./target/debug/ptx-harness
for spec in "1 $l1" "2 $l2"; do
    set -- $spec
    rc=0
    "$h" fuzz --level "$1" --seeds "$2" --device emu --sm 80,90 --report-dir "$work/l$1" \
        >"$work/l$1.log" 2>&1 || rc=$?
    # 1 means findings: still a measurement (they are listed); 2 is an error.
    if [ "$rc" -gt 1 ]; then tail -20 "$work/l$1.log" >&2; echo "bench: the level-$1 lane failed" >&2; exit 1; fi
    echo "== level $1, seeds $2"
    grep -E '^fuzz: |^  (finding|note):' "$work/l$1.log" || true
done
echo "== compile time per step (both levels)"
python3 scripts/cache-manifests.py steps "$work/harness/cache"
echo "bench: done"
