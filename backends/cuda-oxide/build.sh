#!/usr/bin/env bash
# Builds NVIDIA cuda-oxide (a rustc codegen backend for CUDA) for the harness's
# external backend (backends/cuda-oxide/cuda-oxide.toml), outside this tree's
# cargo workspace, and prints an env file to `source`.
#
# Usage: backends/cuda-oxide/build.sh <cuda-oxide-checkout> <pliron-checkout> <out-dir> > cuda-oxide.env
#
#   <cuda-oxide-checkout>  work tree of github.com/NVlabs/cuda-oxide (tested at a105afd5)
#   <pliron-checkout>      work tree of github.com/pliron-org/pliron at rev 0d3f25df
#                          (the rev pinned in cuda-oxide's Cargo.toml; checked/checked out here)
#   <out-dir>              where cargo target dirs, logs and env file go
#
# Steps (each is skipped/fast when already done, so the script is idempotent):
#   1. install the pinned nightly (from rust-toolchain.toml) + rust-src rustc-dev llvm-tools rustfmt
#   2. check the pliron rev
#   3. build cuda-intrinsics-gen and regenerate the 3 generated files that are missing
#      from the snapshot (intrinsics/catalog.json, intrinsics/generated-reference.md,
#      crates/cuda-oxide-codegen/src/generated_intrinsic_targets.rs); `generate` needs rustfmt
#   4. build the backend librustc_codegen_cuda.so (dev profile, like cargo-oxide does)
#   5. build the device library cuda_device (+ cuda_macros proc macro,
#      reserved_oxide_symbols) with the backend's rustc flags (release profile)
#   6. write <out-dir>/cuda-oxide.env with the paths, and print it: it is the
#      only thing on stdout (progress and cargo go to stderr)
#
# If the checkout lacks crates/cuda-oxide-codegen/src/generated_intrinsic_targets.rs,
# intrinsics/catalog.json or intrinsics/generated-reference.md (some mirrors do;
# `git clone` then fails at checkout), restore the rest first:
#   git restore --source=HEAD -- . ':!crates/cuda-oxide-codegen/src/generated_intrinsic_targets.rs' \
#       ':!intrinsics/catalog.json' ':!intrinsics/generated-reference.md' && git reset -q
# step 3 regenerates the three files (byte-identical to upstream's).
#
# Note: the cargo --config patch makes cargo rewrite Cargo.lock in the two cuda-oxide
# workspaces (root and crates/rustc-codegen-cuda) to point at the local pliron.
# Github is unreachable, so this patch is required; crates.io must be reachable the
# first time (or ~/.cargo/registry must already hold the crates).
set -euo pipefail
exec 3>&1 1>&2   # progress on stderr; only the env file goes to stdout (fd 3)

if [ $# -ne 3 ]; then
  echo "usage: $0 <cuda-oxide-checkout> <pliron-checkout> <out-dir>" >&2
  exit 2
fi
SRC=$(cd "$1" && pwd)
PLIRON=$(cd "$2" && pwd)
mkdir -p "$3"
OUT=$(cd "$3" && pwd)
JOBS=${JOBS:-2}
PLIRON_REV=0d3f25df6d0e76b6c6f23d6e17172142b50c715c

TC=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$SRC/rust-toolchain.toml")
[ -n "$TC" ] || { echo "cannot read toolchain channel from $SRC/rust-toolchain.toml" >&2; exit 1; }
export RUSTUP_TOOLCHAIN=$TC
TIMES="$OUT/timings.txt"
: > "$TIMES"
step() { # step <name> <command...>
  local name=$1; shift
  local s=$(date +%s)
  echo "==> $name"
  "$@"
  local d=$(( $(date +%s) - s ))
  echo "$name: ${d}s" | tee -a "$TIMES"
}

PATCH=(
  --config "patch.\"https://github.com/pliron-org/pliron\".pliron.path=\"$PLIRON\""
  --config "patch.\"https://github.com/pliron-org/pliron\".pliron-derive.path=\"$PLIRON/pliron-derive\""
  --config "patch.\"https://github.com/pliron-org/pliron\".pliron-llvm.path=\"$PLIRON/pliron-llvm\""
)

install_toolchain() {
  if rustup run "$TC" rustc --version >/dev/null 2>&1 \
     && [ -d "$(rustup run "$TC" rustc --print sysroot)/lib/rustlib/rustc-src" ] \
     && [ -x "$(rustup run "$TC" rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/llc" ] \
     && rustup run "$TC" rustfmt --version >/dev/null 2>&1; then
    echo "toolchain $TC already complete"
  else
    rustup toolchain install "$TC" --profile minimal \
      -c rust-src -c rustc-dev -c llvm-tools -c rustfmt
  fi
}

check_pliron() {
  local head
  head=$(git -C "$PLIRON" rev-parse HEAD)
  if [ "$head" != "$PLIRON_REV" ]; then
    echo "pliron checkout is at $head, checking out $PLIRON_REV"
    git -C "$PLIRON" checkout -q "$PLIRON_REV"
  fi
  echo "pliron at $(git -C "$PLIRON" log --oneline -1)"
}

regen_intrinsics() {
  (cd "$SRC" && cargo build -j"$JOBS" -q -p cuda-intrinsics-gen --target-dir "$OUT/target-ws" "${PATCH[@]}")
  # `check` exits 0 when the generated files are present and current.
  if (cd "$SRC" && "$OUT/target-ws/debug/cuda-intrinsics-gen" --repo-root . check >/dev/null 2>&1); then
    echo "generated intrinsic files are up to date"
  else
    (cd "$SRC" && "$OUT/target-ws/debug/cuda-intrinsics-gen" --repo-root . generate)
  fi
}

build_backend() {
  local sys
  sys=$(rustc --print sysroot)
  (cd "$SRC/crates/rustc-codegen-cuda" && \
    LIBRARY_PATH="$sys/lib" LD_LIBRARY_PATH="$sys/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    cargo build -j"$JOBS" --lib --target x86_64-unknown-linux-gnu \
      --target-dir "$OUT/target-backend" "${PATCH[@]}")
}

BACKEND_SO="$OUT/target-backend/x86_64-unknown-linux-gnu/debug/librustc_codegen_cuda.so"
LLC="$(rustup run "$TC" rustc --print sysroot 2>/dev/null)/lib/rustlib/x86_64-unknown-linux-gnu/bin/llc" || true

build_device_lib() {
  local sep=$'\x1f'
  local flags="-Zcodegen-backend=$BACKEND_SO${sep}-Copt-level=3${sep}-Cdebug-assertions=off${sep}-Zmir-enable-passes=-JumpThreading${sep}-Zalways-encode-mir${sep}-Csymbol-mangling-version=v0"
  (cd "$SRC" && env -u RUSTFLAGS CARGO_ENCODED_RUSTFLAGS="$flags" \
    cargo build -j"$JOBS" --release -p cuda-device --target-dir "$OUT/target-device" "${PATCH[@]}")
}

step toolchain install_toolchain
step pliron check_pliron
step intrinsics-gen regen_intrinsics
step backend build_backend
step device-lib build_device_lib

LLC="$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/llc"
DEPS="$OUT/target-device/release/deps"
# newest cuda_device rlib (old hashes may linger after rebuilds with other flags)
RLIB=$(ls -t "$DEPS"/libcuda_device-*.rlib | head -1)
RUSTC_BIN=$(rustup which --toolchain "$TC" rustc)
cat > "$OUT/cuda-oxide.env" <<EOF
# source this file
export CUDA_OXIDE_TOOLCHAIN=$TC
export CUDA_OXIDE_RUSTC=$RUSTC_BIN
export CUDA_OXIDE_BACKEND=$BACKEND_SO
export CUDA_OXIDE_LLC=$LLC
export CUDA_OXIDE_DEVICE_RLIB=$RLIB
export CUDA_OXIDE_DEVICE_DEPS=$DEPS
EOF
echo
echo "toolchain:        $TC ($(rustc --version))"
echo "rustc:            $RUSTC_BIN"
echo "backend .so:      $BACKEND_SO"
echo "llc:              $LLC ($("$LLC" --version | sed -n 's/.*LLVM version //p'))"
echo "cuda_device rlib: $RLIB"
echo "dependency dir:   $DEPS"
echo "env file:         $OUT/cuda-oxide.env"
echo "timings:"; cat "$TIMES"
cat "$OUT/cuda-oxide.env" >&3
