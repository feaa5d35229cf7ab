#!/usr/bin/env bash
# How does custom compare with cuDNN (attnlab's and torch's) and FA2 on every cell of the FlashAttention grid
# (B*S = 16k, H*d = 2048, bf16, both masks), and on the seed shape? Was scripts/device-compare-grid.sh.
# One compare run per head dim (each fits a device call's time; a run that is cut off loses only its own cells),
# seed shape first. DIMS picks the head dims; each run gets at most the time left before DEADLINE (s).
# Merge the per-head-dim files with scripts/merge-compare.py (see README.md).
source "$(dirname "$0")/../lib.sh"
D="$OUT/grid"; mkdir -p "$D"
record_gpu
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
