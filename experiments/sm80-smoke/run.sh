#!/usr/bin/env bash
# First device call (sm80 family, was scripts/device-smoke.sh): devices, default-config check matrix, numpy
# round trip through `attnlab run`, and timings of a few configs on the issue's shape. Writes logs under $OUT.
source "$(dirname "$0")/../lib.sh"
record_gpu
$B devices | tee "$OUT/devices.txt"
$B check --configs default --json "$OUT/check_default.json" 2>&1 | tee "$OUT/check_default.txt" | tail -60
python3 scripts/npy_vs_numpy.py $B 2>&1 | tee "$OUT/npy_vs_numpy.txt"
for c in ${CONFIGS:-m128n64w8s2-swz-qsm m128n64w4s2-swz-qsm m128n128w8s2-swz-qsm m64n64w4s2-swz-qsm}; do
  $B bench --config "$c" --max-time 4 2>&1 | tee -a "$OUT/bench.txt" | tail -1
done
