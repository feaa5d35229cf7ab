#!/usr/bin/env bash
# Device call: the compare grid (B*S = 16k, H*d = 2048, bf16, both masks) with custom / cudnn / torch-flash /
# torch-cudnn, one compare run per head dim (each fits a device call's time; a run that is cut off loses only its
# own cells), then the seed shape. DIMS picks the head dims; each run gets at most the time left before DEADLINE.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}; D="$OUT/grid"; mkdir -p "$D"
BIN=${BIN:-build}; B="$BIN/attnlab"
export ATTNLAB_CACHE_DIR=${ATTNLAB_CACHE_DIR:-/tmp/attnlab-kcache}
T0=$(date +%s); DEADLINE=${DEADLINE:-570}
left() { echo $(( DEADLINE - ($(date +%s) - T0) )); }
BACKENDS=custom,cudnn,torch-flash,torch-cudnn
{
$B devices --json "$D/devices.json" > "$D/devices.txt"; grep -m1 uuid "$D/devices.txt"
if [ "${SEED:-1}" = 1 ]; then
  timeout --signal=KILL 60 $B compare --backends $BACKENDS --seqlens 512 --tokens 512 --hidden 512 --head-dims 64 \
    --dtype fp16 --mask none --max-time 1 --out "$D/seed_shape.json" > "$D/seed_shape.txt" 2> "$D/seed_shape.log"
  echo "seed shape rc=$?"; tail -3 "$D/seed_shape.txt"
fi
for d in ${DIMS:-128 64 256}; do
  l=$(left); [ "$l" -lt 60 ] && { echo "d=$d: not run ($l s left)"; continue; }
  s=$(date +%s)
  timeout --signal=KILL $l $B compare --backends $BACKENDS --head-dims $d --mask both --max-time ${MT:-0.3} \
    --out "$D/compare_d$d.json" --csv "$D/compare_d$d.csv" > "$D/compare_d$d.txt" 2> "$D/compare_d$d.log"
  echo "compare d=$d rc=$? in $(( $(date +%s) - s )) s"; tail -14 "$D/compare_d$d.txt"
done
} 2>&1 | tee "$D/summary.txt"
tar czf "$OUT/grid.tgz" -C "$OUT" grid && rm -rf "$D"
