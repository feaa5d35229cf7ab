#!/usr/bin/env bash
# Is the new sm90 family correct and fast on its first GPU run (was scripts/device-sm90.sh)? A correctness
# smoke test of one config, then one config per knob value over the whole check matrix, then first timings
# against cuDNN and the sm80 family. Every step has a time limit (a hung kernel must not eat the lease).
# Usage: BIN=devrun bash experiments/sm90-first-light/run.sh [quick]
source "$(dirname "$0")/../lib.sh"
record_gpu
"$BIN"/attnlab devices | tee "$OUT/devices.txt"
nvidia-smi --query-gpu=name,uuid,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv | tee -a "$OUT/devices.txt"

echo "== smoke"
T 180 "$BIN"/attnlab check --family sm90 --configs sm90-m128n128s2-pp-ov-grid --dtype bf16 --head-dim 128 --mask both \
  > "$OUT/smoke.txt" 2>&1; echo "smoke rc=$?"; tail -22 "$OUT/smoke.txt"

KNOBS=sm90-m128n128s2-pp-ov-grid,sm90-m64n128s2-nopp-ov-grid,sm90-m128n64s2-nopp-noov-pers,sm90-m128n64s3-pp-noov-grid,sm90-m128n128s2-pp-ov-pers
echo "== knob coverage, full matrix"
T 420 "$BIN"/attnlab check --family sm90 --configs "$KNOBS" --json "$OUT/check_knobs.json" > "$OUT/check_knobs.txt" 2>&1
echo "check rc=$?"; grep -E "compiled|FAIL|checks" "$OUT/check_knobs.txt" | head -30; tail -3 "$OUT/check_knobs.txt"

[ "${1:-}" = quick ] && exit 0
echo "== timings"
for cfg in sm90-m128n128s2-pp-ov-grid sm90-m128n128s2-pp-ov-pers sm90-m128n176s2-pp-ov-grid sm90-m128n128s2-nopp-ov-grid \
           sm90-m128n128s2-pp-noov-grid sm90-m128n128s2-nopp-noov-grid; do
  T 60 "$BIN"/attnlab bench --configs $cfg --shape 4,16,4096,4096,128 --max-time 2 --no-ceilings 2>&1 | grep -E "TFLOP|error"
done
T 60 "$BIN"/attnlab bench --backend cudnn --shape 4,16,4096,4096,128 --max-time 2 --no-ceilings 2>&1 | grep -E "TFLOP|error"
T 60 "$BIN"/attnlab bench --backend custom-sm80 --shape 4,16,4096,4096,128 --max-time 2 --no-ceilings 2>&1 | grep -E "TFLOP|error"
