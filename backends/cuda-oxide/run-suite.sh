#!/usr/bin/env bash
# Runs the conformance suite against a build of NVIDIA cuda-oxide that you
# made by cuda-oxide's own instructions (this repository builds none of it),
# then writes the conformance table.
#
# Usage:
#   CUDA_OXIDE_BACKEND=<librustc_codegen_cuda.so> \
#   CUDA_OXIDE_DEVICE_RLIB=<libcuda_device-….rlib> CUDA_OXIDE_DEVICE_DEPS=<its deps folder> \
#   [CUDA_OXIDE_COMMIT=<the commit you built>] \
#   backends/cuda-oxide/run-suite.sh [--publish] [ptx-harness run args…]
#
#   The three paths are those of backends/cuda-oxide/cuda-oxide.toml (see
#   backends/cuda-oxide/README.md for what each must be). Runs
#     ptx-harness run --backend-config backends/cuda-oxide/cuda-oxide.toml
#       --sm sm_80,sm_90 --suite run-gpu --suite ptx-snapshots
#       --report-dir target/cuda-oxide/report [your args]
#   with expectations/cuda-oxide.toml (made with cuda-oxide a105afd5),
#   run-gpu executing on a GPU when there is one and on the PTX emulator
#   otherwise (reported as emulated). Your `--sm`, `--suite` or
#   `--report-dir` replaces the default; other args (`--bless`, a filter)
#   are added.
#
#   Then `ptx-harness report --markdown` writes target/cuda-oxide/conformance.md
#   from the built-in backend's committed run (ci/baseline.json) and this
#   one. With --publish (a full run: no filter, the default --sm and
#   --suite), the run's results.json becomes backends/cuda-oxide/results.json
#   and scripts/conformance-doc.sh rewrites docs/conformance.md from it.
#
# Exit status: the harness's (0 when every trial passed or failed as expected).
set -euo pipefail

missing=()
for v in CUDA_OXIDE_BACKEND CUDA_OXIDE_DEVICE_RLIB CUDA_OXIDE_DEVICE_DEPS; do
  [ -n "${!v:-}" ] || missing+=("$v")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run-suite.sh: set ${missing[*]} to your cuda-oxide build" >&2
  sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/target/cuda-oxide
mkdir -p "$OUT"
PTX_BACKEND_COMMIT="cuda-oxide ${CUDA_OXIDE_COMMIT:-unknown}"
export PTX_BACKEND_COMMIT

cd "$ROOT"
publish=0
if [ "${1:-}" = --publish ]; then
  publish=1
  shift
fi
defaults=()
case " $* " in *" --sm"*) ;; *) defaults+=(--sm sm_80,sm_90) ;; esac
case " $* " in *" --suite"*) ;; *) defaults+=(--suite run-gpu --suite ptx-snapshots) ;; esac
case " $* " in *" --report-dir"*) ;; *) defaults+=(--report-dir "$OUT/report") ;; esac
status=0
cargo run -q -p ptx-harness -- run \
  --backend-config backends/cuda-oxide/cuda-oxide.toml "${defaults[@]}" "$@" || status=$?

cargo run -q -p ptx-harness -- report --markdown "$OUT/conformance.md" \
  ci/baseline.json "$OUT/report/results.json"
echo "conformance table: $OUT/conformance.md" >&2
if [ "$publish" = 1 ]; then
  cp "$OUT/report/results.json" backends/cuda-oxide/results.json
  scripts/conformance-doc.sh
  echo "published: backends/cuda-oxide/results.json and docs/conformance.md (review with git diff)" >&2
fi
exit $status
