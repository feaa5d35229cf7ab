#!/usr/bin/env bash
# Device call: the compare matrix (FlashAttention benchmark grid) for the head dims given in $DIMS.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export ATTNLAB_CACHE_DIR=$PWD/devrun/kcache
DIMS=${DIMS:-64,128,256}
./devrun/attnlab compare --head-dims "$DIMS" --max-time ${MAXT:-3} --out "$OUT/compare_d${DIMS//,/_}.json" \
  --csv "$OUT/compare_d${DIMS//,/_}.csv" 2> "$OUT/compare_d${DIMS//,/_}.log" | tee "$OUT/compare_d${DIMS//,/_}.txt"
grep -iE "error|fail|skipped" "$OUT/compare_d${DIMS//,/_}.log" | head -20
