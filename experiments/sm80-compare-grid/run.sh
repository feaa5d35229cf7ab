#!/usr/bin/env bash
# The compare matrix (FlashAttention benchmark grid) with the sm80 family, for the head dims in $DIMS
# (was scripts/device-compare.sh; the first evidence/h100/compare.json came from two calls of it).
source "$(dirname "$0")/../lib.sh"
record_gpu
DIMS=${DIMS:-64,128,256}
$B compare --head-dims "$DIMS" --max-time ${MAXT:-3} --out "$OUT/compare_d${DIMS//,/_}.json" \
  --csv "$OUT/compare_d${DIMS//,/_}.csv" 2> "$OUT/compare_d${DIMS//,/_}.log" | tee "$OUT/compare_d${DIMS//,/_}.txt"
grep -iE "error|fail|skipped" "$OUT/compare_d${DIMS//,/_}.log" | head -20
