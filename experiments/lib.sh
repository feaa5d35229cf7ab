# Shared setup of a device run (sourced by experiments/*/run.sh): paths, the kernel cache, a record of the
# GPU (name, UUID, clocks, driver) and of the commit, and two ways to run a command under a hard time limit:
# `step NAME SECONDS CMD...` (output in $OUT/NAME.log, one summary line) and `T SECONDS CMD...` (output
# where the caller redirects it). Sourcing cd's to the repository root: paths in run.sh are from there.
#   OUT   output folder (default out/)            BIN   folder of attnlab and attnlab_tests (default build/)
#   B     attnlab binary (default $BIN/attnlab)   TESTS the GoogleTest binary (default $BIN/attnlab_tests)
#   ATTNLAB_CACHE_DIR  kernel cache (default /tmp/attnlab-kcache)
# BIN, B and TESTS are exported, so an experiment that runs another one hands it the same binaries.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export BIN=${BIN:-build}
export B=${B:-$BIN/attnlab} TESTS=${TESTS:-$BIN/attnlab_tests} ATTNLAB_CACHE_DIR=${ATTNLAB_CACHE_DIR:-/tmp/attnlab-kcache}
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
T() { local s=$1; shift; timeout --signal=KILL "$s" "$@"; }
