#!/usr/bin/env bash
# Rewrites the expected snapshots of every suite (stage dumps, .stderr files),
# removes the ones no trial produces any more, and prints what changed.
# Review the result with `git diff`. With CI set, nothing is written.
#
#   ./bless.sh                 bless everything
#   ./bless.sh integers/       only trials whose name contains the filter
#   ./bless.sh saxpy@sm_90a    one test on one target
set -euo pipefail
cd "$(dirname "$0")"
rustup toolchain install >/dev/null 2>&1 || rustup toolchain install
BLESS=1 cargo test -q -p ptx-harness --test conformance -- "$@"
