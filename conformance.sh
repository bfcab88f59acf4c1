#!/usr/bin/env bash
# The main job: the conformance suite against the built-in backend, with a
# report (target/ptx-harness/results.json and junit.xml). Arguments go to
# `ptx-harness run`, e.g. `./conformance.sh integers/ --sm 80,90a`.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
cargo build --workspace --quiet
exec cargo run --quiet -p ptx-harness -- run "$@"
