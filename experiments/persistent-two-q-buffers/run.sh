#!/usr/bin/env bash
# Do persistent sm90 CTAs with two Q buffers (next tile's Q loads under the current tile) beat the grid
# scheduler, and on which cells (was scripts/device-sm90-qbuf.sh)? (1) check every persistent config (full
# shape matrix), (2) grid default vs persistent twins on every cell of the compare grid (B*S = 16k,
# H*d = 2048, bf16), (3) the seed shape.
source "$(dirname "$0")/../lib.sh"
D="$OUT/qbuf"; mkdir -p "$D"
record_gpu
MT=${MT:-0.25}
{
$B devices > "$D/devices.txt"; grep -E "uuid" "$D/devices.txt" | head -1
PERS="$($B configs --family sm90 -d 64 --filter pers 2>/dev/null | awk '/^sm90/{printf "%s,", $1}')sm90-m128n48s2-pp-ov-pers,sm90-m128n32s2-pp-ov-pers"
T ${CHECK_S:-150} $B check --family sm90 --configs "$PERS" --json "$D/check_pers.json" > "$D/check_pers.txt" 2>&1
echo "check rc=$?"; grep -E "compiled|^FAIL|checks passed" "$D/check_pers.txt" | head -8
cfgs() { case $1 in
  64) echo sm90-m192n128s2-pp-ov-grid,sm90-m192n128s2-pp-ov-pers,sm90-m128n128s2-pp-ov-pers ;;
  128) echo sm90-m128n128s2-pp-ov-grid,sm90-m128n128s2-pp-ov-pers,sm90-m128n64s2-pp-ov-pers ;;
  256) echo sm90-m128n64s2-pp-ov-grid,sm90-m128n48s2-pp-ov-pers,sm90-m128n32s2-pp-ov-pers,sm90-m64n64s2-nopp-ov-pers ;;
esac; }
for d in ${DIMS:-128 64 256}; do for S in ${SEQS:-512 1024 2048 4096 8192 16384}; do for c in "" "--causal"; do
  f="$D/bench_d${d}_S${S}${c}.txt"
  T 40 $B bench --family sm90 --configs "$(cfgs $d)" --shape $((16384 / S)),$((2048 / d)),$S,$S,$d $c --max-time $MT --no-ceilings > "$f" 2>&1
  echo "d=$d S=$S $c: $(grep -A4 ranking "$f" | tail -n +2 | awk '{printf "%s %s | ", $2, $3}')"
done; done; done
T 40 $B bench --family sm90 --configs sm90-m64n128s2-nopp-ov-grid,sm90-m64n128s2-nopp-ov-pers,sm90-m128n128s2-pp-ov-pers \
  --shape 1,8,512,512,64 --dtype fp16 --max-time 0.5 --no-ceilings --kernel-trace > "$D/bench_seed.txt" 2>&1; grep -A4 ranking "$D/bench_seed.txt"
} 2>&1 | tee "$OUT/qbuf_summary.txt"
gzip -f "$D/check_pers.json"
tar czf "$OUT/qbuf.tgz" -C "$OUT" qbuf && rm -rf "$D"
