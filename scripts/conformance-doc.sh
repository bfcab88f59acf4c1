#!/usr/bin/env bash
# Writes docs/conformance.md from the committed results of one full run per
# backend, the one source of that page:
#   ci/baseline.json                   the built-in backend (scripts/update-baseline.sh)
#   backends/cuda-oxide/results.json   cuda-oxide (backends/cuda-oxide/run-suite.sh --publish)
# The HTML report reads the same files (`ptx-harness report --html DIR <them>`),
# and harness/tests/conformance_doc.rs checks that the page is current.
#
# Usage: scripts/conformance-doc.sh [--check]
#   --check   write nothing; exit 1 when docs/conformance.md is not current.
#   PTX_HARNESS=<ptx-harness binary> runs that binary instead of `cargo run`.
set -euo pipefail
cd "$(dirname "$0")/.."
inputs=(ci/baseline.json backends/cuda-oxide/results.json)
if [ -n "${PTX_HARNESS:-}" ]; then
    harness=("$PTX_HARNESS")
else
    harness=(cargo run -q -p ptx-harness --)
fi
"${harness[@]}" report --markdown docs/conformance.md "$@" "${inputs[@]}"
