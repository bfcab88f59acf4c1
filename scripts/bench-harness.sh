#!/usr/bin/env bash
# Benchmarks the harness on the ui and ptx-snapshots suites and prints:
#   bare      the same tool invocations the trials ran, serially, no harness
#   cold -j1  the harness with an empty compile cache, one thread
#   cold -jN  the same with every core
#   warm      nothing changed since the last run
#   edit      after one test file was edited (only its trials should recompile)
# Run from anywhere; numbers are wall-clock seconds on this machine, so
# compare the ratios printed in one run rather than absolute times.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
cargo build --workspace --release --quiet
h=./target/release/ptx-harness
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
    "$h" run --suite "$suites" "$@" >"$work/$label.log" 2>&1 || rc=$?
    if [ "$rc" -gt 1 ]; then tail -20 "$work/$label.log" >&2; echo "bench: $label failed" >&2; exit 1; fi
    t1=$(now)
    echo "$t1 - $t0" | bc
}
cold1=$(run cold1 -j 1)
cache_entries=$(ls "$work/harness/cache" | wc -l)
# The bare cost: replay every recorded step (rustc, llvm-link, opt, llc, ptxas) serially.
python3 - "$work/harness/cache" > "$work/bare.sh" <<'PY'
import json, os, sys
root = sys.argv[1]
print("set -e")
for key in sorted(os.listdir(root)):
    m = os.path.join(root, key, "manifest.json")
    if not os.path.isfile(m):
        continue
    cmds = json.load(open(m))["output"]["commands"]
    out = None
    for c in cmds:
        if "--out-dir" in c:
            out = c.split("--out-dir ")[1].split(" ")[0].strip("'")
    if out:
        print(f"rm -rf {out}; mkdir -p {out}")
    # No subshell per command (that would bill the bare side for extra forks):
    # the `cd DIR && ` prefix the LLVM steps carry becomes a plain `cd`.
    for c in cmds:
        if c.startswith("cd ") and " && " in c:
            d, c = c[3:].split(" && ", 1)
            print(f"cd {d}")
        print(f"{c} >/dev/null 2>&1 || true")
    print("cd /")
    if out:
        print(f"rm -rf {out}")
PY
t0=$(now); bash "$work/bare.sh" 2>/dev/null; t1=$(now); bare=$(echo "$t1 - $t0" | bc)
rm -rf "$work/harness/cache"
coldn=$(run coldn)
warm=$(run warm)
victim=$(first_test_file tests/ptx-snapshots)
cp "$victim" "$work/victim.rs"
echo "// bench edit" >> "$victim"
# Restore the edited file even when the run fails.
edit=$(run edit) || { cp "$work/victim.rs" "$victim"; exit 1; }
cp "$work/victim.rs" "$victim"
recompiled=$(grep -o 'compile cache: [0-9]* compiled' "$work/edit.log" | grep -o '[0-9]*' || echo '?')
printf '\nharness benchmark (%s distinct compiles, %s cores)\n' "$cache_entries" "$(nproc)"
printf '  %-34s %8.2f s\n' "bare tool invocations, serial" "$bare"
printf '  %-34s %8.2f s   overhead %+.1f%% over bare\n' "harness cold, 1 thread" "$cold1" "$(echo "($cold1 / $bare - 1) * 100" | bc -l)"
printf '  %-34s %8.2f s   %.0f%% of the 1-thread time\n' "harness cold, $(nproc) threads" "$coldn" "$(echo "$coldn / $cold1 * 100" | bc -l)"
printf '  %-34s %8.2f s\n' "harness warm, nothing changed" "$warm"
printf '  %-34s %8.2f s   %s recompiled (edited: %s)\n' "harness after editing one file" "$edit" "$recompiled" "$victim"
