#!/usr/bin/env bash
# Installs what the build and the suites need on a fresh machine:
# the pinned nightly with rust-src, rustc-dev and llvm-tools (from
# rust-toolchain.toml) and ptxas 13.0 (from PyPI) into tools/ptxas.
set -euo pipefail
cd "$(dirname "$0")"
# RUSTUP_AUTO_INSTALL=0 may be set, so install explicitly.
rustup toolchain install
if [ -n "${PTXAS:-}" ]; then
    echo "setup: using PTXAS=$PTXAS"
elif [ -x tools/ptxas/nvidia/cu13/bin/ptxas ]; then
    echo "setup: ptxas already in tools/ptxas"
else
    python3 -m pip install --quiet --disable-pip-version-check --target tools/ptxas nvidia-cuda-nvcc==13.0.88
fi
tools/ptxas/nvidia/cu13/bin/ptxas --version 2>/dev/null | tail -n 1 || true
