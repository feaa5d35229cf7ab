#!/usr/bin/env bash
# Where does the sm90 family stand as shipped (was scripts/device-final-sm90.sh)? (1) the check matrix of the
# configs whose code changed since evidence/h100/check_sm90.txt (persistent ones: next-tile prefetch, grouped
# causal order) and of the shipped defaults; (2) grid vs persistent on the grid's d=128/d=64 shapes; (3) the
# compare grid (one run per head dim, custom / cudnn / torch-flash / torch-cudnn); (4) the seed shape.
source "$(dirname "$0")/../lib.sh"
D="$OUT/final"; mkdir -p "$D"
record_gpu
{
$B devices > "$D/devices.txt"; grep -E "^device|uuid" "$D/devices.txt"
PERS="sm90-m128n128s2-nopp-noov-pers,sm90-m128n128s2-nopp-ov-pers,sm90-m128n128s2-pp-noov-pers,sm90-m128n128s2-pp-ov-pers,sm90-m128n64s2-nopp-noov-pers,sm90-m128n64s2-nopp-ov-pers,sm90-m128n64s2-pp-noov-pers,sm90-m128n64s2-pp-ov-pers,sm90-m192n128s2-nopp-noov-pers,sm90-m192n128s2-nopp-ov-pers,sm90-m192n128s2-pp-noov-pers,sm90-m192n128s2-pp-ov-pers,sm90-m192n64s2-nopp-noov-pers,sm90-m192n64s2-nopp-ov-pers,sm90-m192n64s2-pp-noov-pers,sm90-m192n64s2-pp-ov-pers,sm90-m64n128s2-nopp-noov-pers,sm90-m64n128s2-nopp-ov-pers,sm90-m64n64s2-nopp-noov-pers,sm90-m64n64s2-nopp-ov-pers"
T 110 $B check --family sm90 --configs "$PERS,sm90-m192n128s2-pp-ov-grid,sm90-m128n176s2-pp-ov-grid,sm90-m128n64s2-pp-ov-grid" \
  --json "$D/check_sm90_shipped.json" > "$D/check_sm90_shipped.txt" 2>&1
echo "check rc=$?"; grep -E "compiled|^FAIL|checks passed" "$D/check_sm90_shipped.txt" | head -8
for shape in "8,16,2048,2048,128" "2,16,8192,8192,128"; do for c in "" "--causal"; do
  T 40 $B bench --family sm90 --configs sm90-m128n176s2-pp-ov-grid,sm90-m128n128s2-pp-ov-grid,sm90-m128n128s2-pp-ov-pers,sm90-m128n176s2-pp-ov-pers \
    --shape $shape $c --max-time 0.5 --no-ceilings > "$D/bench_${shape//,/_}$c.txt" 2>&1; grep -A5 ranking "$D/bench_${shape//,/_}$c.txt"
done; done
T 30 $B bench --family sm90 --configs sm90-m192n128s2-pp-ov-grid,sm90-m192n128s2-pp-ov-pers --shape 8,32,2048,2048,64 --max-time 0.5 --no-ceilings > "$D/bench_d64_2048.txt" 2>&1; grep -A3 ranking "$D/bench_d64_2048.txt"
for d in 128 64 256; do  # one file per head dim: a step that runs out of time loses only its own cells
  T ${CMP_S:-110} $B compare --backends custom,cudnn,torch-flash,torch-cudnn --head-dims $d --mask both --max-time 0.7 \
    --out "$D/compare_d$d.json" --csv "$D/compare_d$d.csv" > "$D/compare_d$d.txt" 2> "$D/compare_d$d.log"
  echo "compare d=$d rc=$?"; tail -14 "$D/compare_d$d.txt"
done
T 40 $B compare --backends custom,cudnn,torch-flash,torch-cudnn --seqlens 512 --tokens 512 --hidden 512 --head-dims 64 \
  --dtype fp16 --mask none --max-time 1 --out "$D/seed_shape.json" > "$D/seed_shape.txt" 2>&1; tail -3 "$D/seed_shape.txt"
} 2>&1 | tee "$OUT/final_summary.txt"
gzip -f "$D/check_sm90_shipped.json"
tar czf "$OUT/final.tgz" -C "$OUT" final && rm -rf "$D"
