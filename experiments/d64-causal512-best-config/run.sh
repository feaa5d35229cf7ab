#!/usr/bin/env bash
# Which config lifts d=64 causal S=512 (B=32 H=32 bf16), the one cell under 0.9x after the dynamic scheduler, and
# how far (was scripts/device-d64c512.sh)? Every config of the default space ranked, then the compare cell (four
# backends, cuDNN autotuned) with the best one.
source "$(dirname "$0")/../lib.sh"
D="$OUT/d64c512"; mkdir -p "$D"
record_gpu
{
$B devices > "$D/devices.txt"; grep -m1 uuid "$D/devices.txt"
timeout --signal=KILL 200 $B bench --family sm90 --configs all --shape 32,32,512,512,64 --causal --max-time 0.15 --no-ceilings \
  --json "$D/bench_all.json" > "$D/bench_all.txt" 2>&1
echo "bench rc=$?"; sed -n '/^ranking/,$p' "$D/bench_all.txt" | head -12
BEST=$(sed -n '/^ranking/,$p' "$D/bench_all.txt" | awk '/^ *sm90/{print $1; exit}')
echo "best: $BEST"
timeout --signal=KILL 150 $B compare --backends custom,cudnn,torch-flash,torch-cudnn --custom-config "$BEST" --head-dims 64 \
  --mask causal --seqlens 512 --max-time 0.3 --out "$D/compare_best.json" > "$D/compare_best.txt" 2>&1
echo "compare rc=$?"; tail -3 "$D/compare_best.txt"
} 2>&1 | tee "$D/summary.txt"
tar czf "$OUT/d64c512.tgz" -C "$OUT" d64c512 && rm -rf "$D"
