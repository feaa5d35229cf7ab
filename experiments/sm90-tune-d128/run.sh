#!/usr/bin/env bash
# Which sm90 config is best on the d=128 target (B=4 H=16 S=4096 bf16 non-causal), and do the microbenchmark
# and a seeded GA find it (was scripts/device-sm90-tune.sh)? The microbenchmark of the default space with its
# rank correlation to the full kernel, the exhaustive sweep of the default space, and a GA over the tuning
# space seeded with the micro Top-8. Writes $OUT/tune_sm90.tgz (everything) and $OUT/tune_sm90_summary.txt.
source "$(dirname "$0")/../lib.sh"
D="$OUT/tune_sm90"; mkdir -p "$D"
record_gpu
{
$B devices > "$D/devices.txt"; grep -E "^device|uuid" "$D/devices.txt"
T 120 $B micro --family sm90 --space default -d 128 --max-time 0.4 --out "$D/micro_best.json" > "$D/micro.txt" 2>&1
echo "micro rc=$?"; head -10 "$D/micro.txt"; grep -iE "spearman" "$D/micro.txt"
T 120 $B tune --family sm90 --space default --strategy exhaustive --budget 1000 --max-time 0.5 --db "$D/exhaustive.db" \
  --out-dir "$D/exhaustive" > "$D/tune_exhaustive.txt" 2> "$D/tune_exhaustive.log"; echo "exhaustive rc=$?"; tail -3 "$D/tune_exhaustive.txt"
T 120 $B tune --family sm90 --space tuning --strategy seeded --seed-from "$D/micro_best.json" --budget 32 --rng-seed 1 \
  --max-time 0.5 --db "$D/seeded.db" --out-dir "$D/seeded" > "$D/tune_seeded.txt" 2> "$D/tune_seeded.log"; echo "seeded rc=$?"; tail -3 "$D/tune_seeded.txt"
} 2>&1 | tee "$OUT/tune_sm90_summary.txt"
tar czf "$OUT/tune_sm90.tgz" -C "$OUT" tune_sm90 && rm -rf "$D"
