#!/usr/bin/env bash
# Benchmarks the harness on the ui and ptx-snapshots suites and prints:
#   bare      the same tool invocations the trials ran, serially, no harness
#   cold -j1  the harness with an empty compile cache, one thread
#   cold -jN  the same with every core
#   warm      nothing changed since the last run
#   edit      after one test file was edited (only its trials should recompile)
# and the per-step totals of the cold run (from the cache manifests' timings),
# so a regression names its step.
# Run from anywhere; numbers are wall-clock seconds on this machine, so
# compare the ratios printed in one run rather than absolute times.
#
# --quick (or BENCH_QUICK=1): one small test and the debug build, for CI; it
# checks that the script runs to its end, not the numbers.
# BENCH_FILTER=PATTERN: only the trials whose name contains it (release build).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
quick=${BENCH_QUICK:-0}
[ "${1:-}" = --quick ] && quick=1
if [ "$quick" = 1 ]; then
    # A ptx-snapshots test with the sass stage, so every step has a row.
    filter=integers/mul-wide-hi
    victim=tests/ptx-snapshots/integers/mul-wide-hi.rs
    cargo build --workspace --quiet
    h=./target/debug/ptx-harness
else
    filter=${BENCH_FILTER:-}
    victim=$(first_test_file tests/ptx-snapshots/${filter%%/*})
    cargo build --workspace --release --quiet
    h=./target/release/ptx-harness
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PTX_HARNESS_WORK_DIR="$work/harness" PTX_HARNESS_NO_GPU=1
suites=ui,ptx-snapshots
now() { date +%s.%N; }
run() { # label, args...
    local label=$1; shift
    local t0 t1; t0=$(now)
    # Exit code 1 (some trials failed) still measures the run; 2 is an error.
    local rc=0
    "$h" run --suite "$suites" "$@" ${filter:+"$filter"} >"$work/$label.log" 2>&1 || rc=$?
    if [ "$rc" -gt 1 ]; then tail -20 "$work/$label.log" >&2; echo "bench: $label failed" >&2; exit 1; fi
    t1=$(now)
    echo "$t1 - $t0" | bc
}
cold1=$(run cold1 -j 1)
cache_entries=$(ls "$work/harness/cache" | wc -l)
python3 scripts/cache-manifests.py steps "$work/harness/cache" >"$work/steps.txt"
# The bare cost: replay every recorded step (rustc, llvm-link, opt, llc,
# ptxas, nvdisasm) serially, each entry in a scratch folder of its own.
python3 scripts/cache-manifests.py replay "$work/harness/cache" "$work/bare" >"$work/bare.sh"
t0=$(now); bash "$work/bare.sh" 2>/dev/null; t1=$(now); bare=$(echo "$t1 - $t0" | bc)
rm -rf "$work/harness/cache"
coldn=$(run coldn)
warm=$(run warm)
cp "$victim" "$work/victim.rs"
echo "// bench edit" >> "$victim"
# Restore the edited file whatever happens to the run.
restore() { cp "$work/victim.rs" "$victim"; }
trap 'restore; rm -rf "$work"' EXIT
edit=$(run edit)
restore
trap 'rm -rf "$work"' EXIT
recompiled=$(grep -o 'compile cache: [0-9]* compiled' "$work/edit.log" | grep -o '[0-9]*' || echo '?')
printf '\nharness benchmark (%s distinct compiles, %s cores%s)\n' "$cache_entries" "$(nproc)" "${filter:+, filter: $filter}"
printf '  %-34s %8.2f s\n' "bare tool invocations, serial" "$bare"
printf '  %-34s %8.2f s   %.2fx the bare replay\n' "harness cold, 1 thread" "$cold1" "$(echo "$cold1 / $bare" | bc -l)"
printf '  %-34s %8.2f s   %.2fx faster than 1 thread\n' "harness cold, $(nproc) threads" "$coldn" "$(echo "$cold1 / $coldn" | bc -l)"
printf '  %-34s %8.2f s\n' "harness warm, nothing changed" "$warm"
printf '  %-34s %8.2f s   %s recompiled (edited: %s)\n' "harness after editing one file" "$edit" "$recompiled" "$victim"
printf '\ntool time per step, cold 1-thread run (from the cache manifests)\n'
cat "$work/steps.txt"
echo "bench: done"
