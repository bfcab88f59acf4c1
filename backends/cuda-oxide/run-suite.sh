#!/usr/bin/env bash
# Builds NVIDIA cuda-oxide from a checkout and runs the conformance suite
# against it, then writes the conformance table.
#
# Usage: backends/cuda-oxide/run-suite.sh <cuda-oxide-checkout> <pliron-checkout> [ptx-harness run args…]
#
#   Builds into target/cuda-oxide/ (build.sh; CUDA_OXIDE_OUT overrides it),
#   which is where backends/cuda-oxide/cuda-oxide.toml looks, then runs
#     ptx-harness run --backend-config backends/cuda-oxide/cuda-oxide.toml
#       --sm sm_80,sm_90 --suite run-gpu --suite ptx-snapshots
#       --report-dir target/cuda-oxide/report [your args]
#   with expectations/cuda-oxide.toml, run-gpu executing on a GPU when there
#   is one and on the PTX emulator otherwise (reported as emulated).
#   Your `--sm`, `--suite` or `--report-dir` replaces the default; other
#   args (`--bless`, a filter) are added.
#
#   Then scripts/conformance-table.py writes target/cuda-oxide/conformance.md
#   from the built-in backend's last full run (target/ptx-harness/results.json,
#   when there is one) and this one. Copy it to docs/conformance.md to
#   publish it.
#
# Exit status: the harness's (0 when every trial passed or failed as expected).
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$(cd "$1" && pwd)
PLIRON=$(cd "$2" && pwd)
shift 2
OUT=${CUDA_OXIDE_OUT:-$ROOT/target/cuda-oxide}

mkdir -p "$OUT"
# build.sh writes $OUT/cuda-oxide.env itself (and prints it, not needed here).
"$ROOT/backends/cuda-oxide/build.sh" "$SRC" "$PLIRON" "$OUT" > /dev/null
# shellcheck disable=SC1091
source "$OUT/cuda-oxide.env"
PTX_BACKEND_COMMIT="cuda-oxide $(git -C "$SRC" rev-parse --short=8 HEAD 2>/dev/null || echo unknown)"
export PTX_BACKEND_COMMIT

cd "$ROOT"
defaults=()
case " $* " in *" --sm"*) ;; *) defaults+=(--sm sm_80,sm_90) ;; esac
case " $* " in *" --suite"*) ;; *) defaults+=(--suite run-gpu --suite ptx-snapshots) ;; esac
case " $* " in *" --report-dir"*) ;; *) defaults+=(--report-dir "$OUT/report") ;; esac
status=0
cargo run -q -p ptx-harness -- run \
  --backend-config backends/cuda-oxide/cuda-oxide.toml "${defaults[@]}" "$@" || status=$?

inputs=()
[ -f target/ptx-harness/results.json ] && inputs+=(target/ptx-harness/results.json)
inputs+=("$OUT/report/results.json")
python3 scripts/conformance-table.py "$OUT/conformance.md" "${inputs[@]}"
echo "conformance table: $OUT/conformance.md (copy to docs/conformance.md to publish)" >&2
exit $status
