# Shared setup of a device run (sourced by experiments/*/run.sh): paths, the kernel cache, a record of the
# GPU (name, UUID, clocks, driver) and of the commit, and `step NAME SECONDS CMD...` which runs a step
# under a hard time limit with its output in $OUT/NAME.log and one summary line.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${OUT:-out}; mkdir -p "$OUT"
BIN=${BIN:-build}
export B="$BIN/attnlab" TESTS="$BIN/attnlab_tests" ATTNLAB_CACHE_DIR=${ATTNLAB_CACHE_DIR:-/tmp/attnlab-kcache}
record_gpu() {
  { date -u +%FT%TZ; git rev-parse HEAD 2>/dev/null || cat COMMIT 2>/dev/null
    nvidia-smi --query-gpu=name,uuid,driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.limit --format=csv 2>&1
  } > "$OUT/gpu.txt"; tail -1 "$OUT/gpu.txt"
}
step() {
  local name=$1 limit=$2; shift 2
  local t0=$(date +%s)
  timeout --signal=KILL "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  echo "[$name] rc=$rc in $(( $(date +%s) - t0 )) s"
  return $rc
}
