#!/usr/bin/env bash
# Shows the regression gate catching real regressions on a slice of the suite:
#   1. an unchanged rerun passes (exit 0);
#   2. a backend change (PTX_OPT_LEVEL=1 instead of 3) that changes registers
#      and instruction counts, and breaks snapshots, fails (exit 1);
#   3. a removed test fails (exit 1).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
cargo build --workspace --quiet
h=./target/debug/ptx-harness
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
slice=${1:-ptx-snapshots/integers/}
run() { "$h" run --suite ptx-snapshots "$slice" --report-dir "$work/$1" >"$work/$1.log" 2>&1; }
gate() { "$h" gate "$work/base/results.json" "$work/$1/results.json" --config ci/gate.toml >"$work/gate-$1.txt" 2>&1; echo $?; }
run base
run same
echo "unchanged rerun:        gate exit $(gate same)"
PTX_OPT_LEVEL=1 run opt1
echo "backend at -O1:         gate exit $(gate opt1)"
grep -E "registers|ptx instructions|passed → failed" "$work/gate-opt1.txt" | first_lines 5
victim=$(first_test_file tests/ptx-snapshots/integers)
mv "$victim" "$work/victim.rs"
run removed
mv "$work/victim.rs" "$victim"
echo "a removed test ($victim): gate exit $(gate removed)"
grep -E "removed" "$work/gate-removed.txt" | first_lines 3
