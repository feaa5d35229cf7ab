#!/usr/bin/env bash
# How fast do exhaustive and seeded tuning find the best sm80 config, and does it beat FA2 (was
# scripts/device-tune.sh)? Exhaustive sweep of the tuning space into a results DB; a seeded tune (budget 64,
# fresh DB, Gen 0 = the micro Top-8 in $SEED_FROM); the best config against torch's flash backend in the same run.
source "$(dirname "$0")/../lib.sh"
SEED_FROM=${SEED_FROM:-$BIN/micro_best.json}
record_gpu
$B tune --strategy exhaustive --budget 1000 --max-time 1 --db "$OUT/exhaustive.db" --out-dir "$OUT/exhaustive" \
  > "$OUT/tune_exhaustive.txt" 2> "$OUT/tune_exhaustive.log"; tail -3 "$OUT/tune_exhaustive.txt"
$B tune --strategy seeded --seed-from "$SEED_FROM" --budget 64 --rng-seed 1 --max-time 1 \
  --db "$OUT/seeded.db" --out-dir "$OUT/seeded" > "$OUT/tune_seeded.txt" 2> "$OUT/tune_seeded.log"; tail -3 "$OUT/tune_seeded.txt"
BEST=$(python3 -c "import json;print(json.load(open('$OUT/exhaustive/evo_best.json'))['top'][0]['config'])" 2>/dev/null || echo "")
echo "exhaustive best: $BEST"
$B compare --backends custom,torch-flash,cudnn --seqlens 4096 --head-dims 128 --mask none --custom-config "$BEST" \
  --out "$OUT/best_vs_flash.json" 2> "$OUT/best_vs_flash.log" | tail -3
