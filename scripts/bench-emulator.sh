#!/usr/bin/env bash
# Benchmarks the PTX emulator and prints:
#   - emulated thread-instructions per second on one core, and the ratio to
#     the same arithmetic kernel compiled natively (emulator/examples/bench.rs);
#   - the wall time of every run-gpu execution on the emulator, with the
#     compiles already cached (a first run fills the cache), and the sum of
#     the executions' own durations from results.json.
# Numbers are wall-clock on this machine: compare ratios from one run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --workspace --quiet
echo "== kernel throughput (release build of the emulator)"
cargo run --quiet --release -p ptx-emu --example bench
work=${PTX_HARNESS_WORK_DIR:-target/ptx-harness}
h=./target/debug/ptx-harness
echo "== run-gpu suite on the emulator"
"$h" run --suite run-gpu --device emu >/dev/null 2>&1 || true # fills the compile cache
t0=$(date +%s.%N)
rc=0
"$h" run --suite run-gpu --device emu >"$work/bench-emulator.log" 2>&1 || rc=$?
t1=$(date +%s.%N)
if [ "$rc" -gt 1 ]; then tail -20 "$work/bench-emulator.log" >&2; echo "bench: the run failed" >&2; exit 1; fi
python3 - "$work/results.json" "$(echo "$t1 - $t0" | bc)" "$(nproc)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ex = [t for t in r["trials"] if t.get("executed") and t.get("device") == "emulator"]
passed = sum(t["verdict"] == "passed" for t in ex)
print(f"executions on the emulator: {len(ex)} ({passed} passed)")
print(f"wall time of the whole run (compiles cached, {sys.argv[3]} cores): {float(sys.argv[2]):.1f} s")
print(f"sum of execution durations: {sum(t['duration'] for t in ex):.1f} s")
slow = sorted(ex, key=lambda t: -t["duration"])[:3]
for t in slow:
    i = t["id"]
    print(f"  slowest: {i['test']}@{i['sm']} {t['duration']:.2f} s")
PY
