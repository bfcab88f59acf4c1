#!/usr/bin/env bash
# Benchmarks the PTX emulator and prints:
#   - emulated thread-instructions per second on one core and on all cores,
#     the ratio to the same arithmetic kernel compiled natively, and the time
#     of a tiled 512x512 f32 GEMM checked against a host GEMM
#     (emulator/examples/bench.rs);
#   - the wall time of every run-gpu execution on the emulator, with the
#     compiles already cached (a first run fills the cache), and the sum of
#     the executions' own durations from results.json;
#   - the same run under each sanitizer tool (--sanitize), its wall time as
#     a ratio to the plain run's, and the findings the run counted (the
#     GEMM's per-tool slowdown is in the first part).
# Numbers are wall-clock on this machine: compare ratios from one run.
#
# --quick (or BENCH_QUICK=1): a small kernel in the debug build and one
# run-gpu test, for CI; it checks that the script runs to its end, not the
# numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_QUICK=${BENCH_QUICK:-0}
[ "${1:-}" = --quick ] && BENCH_QUICK=1
cargo build --workspace --quiet
echo "== kernel throughput"
if [ "$BENCH_QUICK" = 1 ]; then
    filter=basics/double
    cargo run --quiet -p ptx-emu --example bench
else
    filter=
    cargo run --quiet --release -p ptx-emu --example bench
fi
# The suite's own work folder (compile cache and reports), so the second
# run below is warm and results.json is this run's.
work=${PTX_HARNESS_WORK_DIR:-target/ptx-harness}
mkdir -p "$work"
h=./target/debug/ptx-harness
echo "== run-gpu suite on the emulator"
"$h" run --suite run-gpu --device emu --report-dir "$work" ${filter:+"$filter"} >/dev/null 2>&1 || true # fills the compile cache
t0=$(date +%s.%N)
rc=0
"$h" run --suite run-gpu --device emu --report-dir "$work" ${filter:+"$filter"} >"$work/bench-emulator.log" 2>&1 || rc=$?
t1=$(date +%s.%N)
if [ "$rc" -gt 1 ]; then tail -20 "$work/bench-emulator.log" >&2; echo "bench: the run failed" >&2; exit 1; fi
python3 - "$work/results.json" "$(echo "$t1 - $t0" | bc)" "$(nproc)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ex = [t for t in r["trials"] if t.get("executed") and t.get("device") == "emulator"]
if not ex:
    sys.exit("bench: no execution on the emulator in results.json")
passed = sum(t["verdict"] == "passed" for t in ex)
print(f"executions on the emulator: {len(ex)} ({passed} passed)")
print(f"wall time of the whole run (compiles cached, {sys.argv[3]} cores): {float(sys.argv[2]):.1f} s")
print(f"sum of execution durations: {sum(t['duration'] for t in ex):.1f} s")
slow = sorted(ex, key=lambda t: -t["duration"])[:3]
for t in slow:
    i = t["id"]
    print(f"  slowest: {i['test']}@{i['sm']} {t['duration']:.2f} s")
PY
plain=$(echo "$t1 - $t0" | bc)
echo "== run-gpu suite under each sanitizer tool (ratios to the plain run above)"
for tool in racecheck initcheck synccheck all; do
    t0=$(date +%s.%N)
    rc=0
    "$h" run --suite run-gpu --device emu --sanitize "$tool" --report-dir "$work" ${filter:+"$filter"} >"$work/bench-emulator-$tool.log" 2>&1 || rc=$?
    t1=$(date +%s.%N)
    if [ "$rc" -gt 1 ]; then tail -20 "$work/bench-emulator-$tool.log" >&2; echo "bench: the run under $tool failed" >&2; exit 1; fi
    line=$(grep -m1 -E '^[[:space:]]*sanitizer:' "$work/bench-emulator-$tool.log" || echo "sanitizer: (no summary line)")
    python3 - "$(echo "$t1 - $t0" | bc)" "$plain" "$tool" "$line" <<'PY'
import sys
t, p, tool, line = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
counts = line.split(";", 1)[-1].strip()
print(f"  {tool:<10} {t:6.1f} s  ({t / p:.2f}x plain)  {counts}")
PY
done
echo "bench: done"
