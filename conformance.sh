#!/usr/bin/env bash
# The main job: the conformance suite against the built-in backend, with a
# report (target/ptx-harness/results.json and junit.xml). Arguments go to
# `ptx-harness run`, e.g. `./conformance.sh integers/ --sm 80,90a`; with
# `--html`, the HTML report of the run is written to target/ptx-harness/site
# (open target/ptx-harness/site/index.html).
set -euo pipefail
cd "$(dirname "$0")"
html=0
args=()
for a in "$@"; do
    if [ "$a" = --html ]; then html=1; else args+=("$a"); fi
done
./setup.sh
cargo build --workspace --quiet
rc=0
cargo run --quiet -p ptx-harness -- run "${args[@]}" || rc=$?
if [ "$html" = 1 ] && [ "$rc" -le 1 ]; then
    cargo run --quiet -p ptx-harness -- report --html target/ptx-harness/site
fi
exit "$rc"
