#!/usr/bin/env bash
# The README's main command: install, build, then the most complete pipeline that exists.
# With a GPU: devices -> check (every config, every dtype/head dim/mask/shape) -> numpy round trip ->
# bench of the default configs. Without a GPU: the CPU-side parts (configs compiled for sm_80/sm_89/sm_90a
# with their ptxas resources) and a clear list of what was skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh && ./scripts/build.sh || exit 1
B=./build/attnlab
OUT=${OUT:-out}; mkdir -p "$OUT"
status=0
$B devices | tee "$OUT/devices.txt"
if $B devices | grep -q "^no CUDA device"; then
  for arch in sm_80 sm_89 sm_90a; do
    for d in 64 128 256; do
      $B configs --arch $arch --head-dim $d --compile | tee "$OUT/configs_${arch}_d$d.txt" | tail -1 || status=1
    done
  done
  echo "skipped (no CUDA device): check, numpy round trip, bench"
  exit $status
fi
$B check --configs all --json "$OUT/check.json" | tee "$OUT/check.txt" || status=1
python3 scripts/npy_vs_numpy.py $B | tee "$OUT/npy_vs_numpy.txt" || status=1
for d in 64 128 256; do
  for mask in "" "--causal"; do
    $B bench --shape 4,16,4096,$d $mask | tee -a "$OUT/bench.txt" || status=1
  done
done
exit $status
