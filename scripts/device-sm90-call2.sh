#!/usr/bin/env bash
# Device call: the sm90 family's full check matrix (every default-space config x dtype x head dim x mask
# x shape), then a first look at every cell of the compare grid and the seed shape.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}; mkdir -p "$OUT"
BIN=${BIN:-build}
export ATTNLAB_CACHE_DIR=${ATTNLAB_CACHE_DIR:-/tmp/attnlab-kcache}
T() { local s=$1; shift; timeout --signal=KILL "$s" "$@"; }
"$BIN"/attnlab devices > "$OUT/devices.txt"; grep -E "device|uuid" "$OUT/devices.txt"
echo "== check sm90 --configs all"
T ${CHECK_S:-330} "$BIN"/attnlab check --family sm90 --configs all --json "$OUT/check_sm90.json" > "$OUT/check_sm90.txt" 2>&1
echo "check rc=$?"; grep -E "compiled|^FAIL|checks passed" "$OUT/check_sm90.txt" | head -20; gzip -f "$OUT/check_sm90.json"
echo "== compare (first look)"
T ${CMP_S:-200} "$BIN"/attnlab compare --backends custom,cudnn,torch-cudnn,torch-flash --seqlens 512,2048,8192 --mask both \
  --max-time 0.6 --out "$OUT/compare_look.json" > "$OUT/compare_look.txt" 2> "$OUT/compare_look.log"
echo "compare rc=$?"; cat "$OUT/compare_look.txt" | tail -45
echo "== seed shape"
T 60 "$BIN"/attnlab compare --backends custom,cudnn,torch-flash,torch-cudnn --seqlens 512 --tokens 512 --hidden 512 \
  --head-dims 64 --dtype fp16 --mask none --max-time 1 --out "$OUT/seed_shape.json" 2>&1 | tail -8
