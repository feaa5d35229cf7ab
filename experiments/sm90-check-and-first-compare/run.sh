#!/usr/bin/env bash
# Is every default-space sm90 config correct on the whole check matrix (every config x dtype x head dim x
# mask x shape), and where does the family stand on the compare grid and the seed shape (a first look)?
# Was scripts/device-sm90-call2.sh (the second sm90 device call).
source "$(dirname "$0")/../lib.sh"
record_gpu
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
