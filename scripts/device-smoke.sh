#!/usr/bin/env bash
# One device-machine call: devices, default-config check matrix, GPU tests, numpy round trip, and timings
# of a few configs on the issue's shape. Writes logs under $OUT (or ./out).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export ATTNLAB_CACHE_DIR=${ATTNLAB_CACHE_DIR:-$PWD/build/kcache}
B=./build/attnlab
$B devices | tee "$OUT/devices.txt"
$B check --configs default --json "$OUT/check_default.json" 2>&1 | tee "$OUT/check_default.txt" | tail -60
python3 scripts/npy_vs_numpy.py $B 2>&1 | tee "$OUT/npy_vs_numpy.txt"
for c in ${CONFIGS:-m128n64w8s2-swz-qsm m128n64w4s2-swz-qsm m128n128w8s2-swz-qsm m64n64w4s2-swz-qsm}; do
  $B bench --config "$c" --max-time 4 2>&1 | tee -a "$OUT/bench.txt" | tail -1
done
