#!/usr/bin/env bash
# Runs cudarc's own examples (from crates.io, unchanged) on the PTX emulator
# through `ptx-emu run`, and prints pass/fail per example. Code nobody here
# wrote, calling the driver API the way real host programs do; a failure is
# a bug of the emulator until shown otherwise.
#
#   scripts/cudarc-examples.sh            # the cudarc version in Cargo.lock
#   scripts/cudarc-examples.sh --newest   # the newest cudarc on crates.io
#
# NVRTC (PyPI nvidia-cuda-nvrtc, installed into tools/nvrtc when missing)
# compiles the CUDA C of the examples that use it, beside the emulator's
# libcuda. Everything is built under target/cudarc-examples/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/target/cudarc-examples
mkdir -p "$work/fetch/src"
if [ "${1:-}" = --newest ]; then
    req='*'
else
    req="=$(awk '/^name = "cudarc"/{getline; gsub(/"/,"",$3); print $3}' Cargo.lock)"
fi
# A throwaway crate depending on cudarc: cargo brings its source from crates.io.
cat >"$work/fetch/Cargo.toml" <<TOML
[package]
name = "cudarc-fetch"
version = "0.0.0"
edition = "2021"
[dependencies]
cudarc = { version = "$req", default-features = false, features = ["std", "driver", "dynamic-loading", "cuda-13000"] }
[workspace]
TOML
echo 'fn main() {}' >"$work/fetch/src/main.rs"
rm -f "$work/fetch/Cargo.lock"
src=$(cd "$work/fetch" && cargo metadata --format-version 1 --quiet | python3 -c '
import json, sys, os
m = json.load(sys.stdin)
p = [p for p in m["packages"] if p["name"] == "cudarc"][0]
print(os.path.dirname(p["manifest_path"]))')
version=$(basename "$src")
echo "== $version (from crates.io), examples on the emulator"
copy=$work/$version
if [ ! -d "$copy" ]; then
    cp -r "$src" "$copy.tmp"
    rm -f "$copy.tmp/Cargo.toml.orig"
    # Its own workspace, not this repository's.
    printf '\n[workspace]\n' >>"$copy.tmp/Cargo.toml"
    mv "$copy.tmp" "$copy"
fi
if [ ! -e tools/nvrtc/nvidia/cu13/lib/libnvrtc.so.13 ]; then
    python3 -m pip install --quiet --disable-pip-version-check --target tools/nvrtc nvidia-cuda-nvrtc==13.0.88
fi
nvrtc=$root/tools/nvrtc/nvidia/cu13/lib
cargo build --quiet -p ptx-emu -p ptx-emu-cuda
emu=$root/target/debug/ptx-emu
features="std cuda-13000 dynamic-loading driver nvrtc"
# Skipped, with why: they need what one emulated device without those
# libraries cannot have.
declare -A skip=(
    [08-cupti]="needs CUPTI (profiling), not a driver API"
    [cufile-copy]="needs cuFile (GPUDirect Storage)"
    [13-copy-multi-gpu]="needs two GPUs"
)
pass=0 fail=0
printf '%-24s %s\n' example result
for path in "$copy"/examples/*.rs; do
    ex=$(basename "$path" .rs)
    if [ -n "${skip[$ex]:-}" ]; then
        printf '%-24s skip (%s)\n' "$ex" "${skip[$ex]}"
        continue
    fi
    log=$work/$ex.log
    if ! (cd "$copy" && cargo build --quiet --example "$ex" --no-default-features --features "$features") >"$log" 2>&1; then
        printf '%-24s FAIL (does not build here: %s)\n' "$ex" "$log"
        fail=$((fail + 1))
        continue
    fi
    rc=0
    (cd "$copy" && LD_LIBRARY_PATH="$nvrtc" timeout 300 "$emu" run -- "target/debug/examples/$ex") >"$log" 2>&1 || rc=$?
    why=
    if [ "$rc" -ne 0 ]; then
        why="exit status $rc"
    elif ! grep -q '^ptx-emu: ERROR SUMMARY: 0 errors$' "$log"; then
        why="the emulator reported errors"
    else
        # What each example must print, derived from its source by hand.
        case $ex in
        03-launch-kernel | 04-streams)
            # sin(1), sin(2), sin(3): the kernel uses sinf; a GPU's sinf is
            # within 2 ulp, so compare with a tolerance, not bit for bit.
            python3 - "$log" <<'PY' || why="Found is not sin(1..3)"
import math, re, sys
t = open(sys.argv[1]).read()
found = [float(x) for x in re.search(r"Found \[([^\]]*)\]", t).group(1).split(",")]
sys.exit(0 if all(abs(f - math.sin(i + 1)) < 1e-6 for i, f in enumerate(found)) and len(found) == 3 else 1)
PY
            ;;
        06-threading)
            # 10 host threads × 2 ways × 1 block of 1024 threads (for_num_elems(1)).
            for i in $(seq 0 9); do
                n=$(grep -c "^Hello from the cuda kernel in thread $i\$" "$log" || true)
                [ "$n" = 2048 ] || why="thread $i printed $n lines, not 2048"
            done
            ;;
        09-constant-memory) grep -q '^All results match expected values!$' "$log" || why="no match line" ;;
        matmul-kernel)
            # [[1,2],[3,4]] squared.
            grep -q 'Found \[7.0, 10.0, 15.0, 22.0\]' "$log" || why="wrong product"
            ;;
        nvrtc-compile) grep -q '^Compilation succeeded!$' "$log" || why="no success line" ;;
        esac
    fi
    if [ -z "$why" ]; then
        printf '%-24s pass\n' "$ex"
        pass=$((pass + 1))
    else
        printf '%-24s FAIL (%s; log: %s)\n' "$ex" "$why" "$log"
        fail=$((fail + 1))
    fi
done
echo "$version: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
