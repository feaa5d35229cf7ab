#!/usr/bin/env bash
# The README's main command: install, build, then the most complete pipeline that exists, writing out/.
# With a GPU: devices -> check (every config, dtype, head dim, mask, shape) -> numpy round trip ->
# ceilings -> compare (FlashAttention grid, all backends) -> micro (tuning space) -> tune (seeded from the
# micro Top-K) -> replay of random/genetic/seeded on the recorded results.
# Without a GPU: the CPU-side parts (every config compiled for sm_80/sm_89/sm_90a with its ptxas resources)
# and a clear list of what was skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh && ./scripts/build.sh || exit 1
B=./build/attnlab
OUT=${OUT:-out}; mkdir -p "$OUT"
status=0
$B devices | tee "$OUT/devices.txt"
if grep -q "^no CUDA device" "$OUT/devices.txt"; then
  for arch in sm_80 sm_89 sm_90a; do
    for d in 64 128 256; do
      $B configs --arch $arch --head-dim $d --compile > "$OUT/configs_${arch}_d$d.txt" || status=1
      tail -1 "$OUT/configs_${arch}_d$d.txt"
    done
  done
  echo "skipped (no CUDA device): check, numpy round trip, ceilings, compare, micro, tune, replay"
  exit $status
fi
step() { echo "== $*"; "$@" || status=1; }
step $B check --configs all --json "$OUT/check.json"
step python3 scripts/npy_vs_numpy.py $B
step $B ceilings
step $B compare --out "$OUT/compare.json" --csv "$OUT/compare.csv"
step $B micro --space tuning --out "$OUT/micro_best.json"
step $B tune --strategy exhaustive --budget 1000 --db "$OUT/results.db" --out-dir "$OUT/exhaustive"
step $B tune --strategy seeded --seed-from "$OUT/micro_best.json" --budget 64 --db "$OUT/seeded.db" --out-dir "$OUT/seeded"
step $B tune --replay "$OUT/results.db" --seed-from "$OUT/micro_best.json" --replay-seeds 20 --budget 64
exit $status
