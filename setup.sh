#!/usr/bin/env bash
# Installs what the build and the suites need on a fresh machine:
# the pinned nightly with rust-src, rustc-dev and llvm-tools (from
# rust-toolchain.toml), ptxas 13.0 (from PyPI) into tools/ptxas and the
# SASS disassembler nvdisasm (from PyPI) into tools/nvdisasm.
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
# PyPI has no nvdisasm wheel for CUDA 13.0; 13.2.51 is the oldest CUDA 13 one
# and reads ptxas 13.0's cubins (keep in step with NVDISASM_WHEEL in
# backend/src/toolchain.rs).
if [ -n "${NVDISASM:-}" ]; then
    echo "setup: using NVDISASM=$NVDISASM"
elif [ -x tools/nvdisasm/nvidia/cu13/bin/nvdisasm ]; then
    echo "setup: nvdisasm already in tools/nvdisasm"
else
    python3 -m pip install --quiet --disable-pip-version-check --target tools/nvdisasm nvidia-cuda-nvdisasm==13.2.51
fi
tools/ptxas/nvidia/cu13/bin/ptxas --version 2>/dev/null | tail -n 1 || true
tools/nvdisasm/nvidia/cu13/bin/nvdisasm --version 2>/dev/null | tail -n 2 | sed -n 1p || true
# The HTML report's browser tests use headless Chromium; installed only when
# asked (PTX_INSTALL_CHROMIUM=1, as .ci/run does) and missing. Without it,
# those tests skip and say why.
if [ "${PTX_INSTALL_CHROMIUM:-0}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get install -y -q chromium >/dev/null || echo "setup: could not install chromium; the browser tests will skip" >&2
    else
        echo "setup: chromium is missing and cannot be installed here (needs apt-get as root); the browser tests will skip" >&2
    fi
fi
