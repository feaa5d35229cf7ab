#!/usr/bin/env bash
# Are sm90 2-CTA clusters with TMA multicast of K/V (the cluster knob, names ending in -c2) correct, and where
# do they pay (was scripts/device-cluster.sh)?
# (0) smoke: one -c2 config on the d=128 shapes (a hang here skips everything else: the protocol deadlocks),
# (1) check every -c2 config: the cluster twin of each grid config of the default space for d=64, 128, 256
#     (full shape matrix: both dtypes, every head dim, both masks; odd m-block counts, GQA, seqlen_k != seqlen_q),
# (2) grid vs grid-c2 twins on compare cells (B*S = 16k, H*d = 2048, bf16), S in 512 2048 8192 16384, causal and
#     not, ranking lines printed, (3) compute-sanitizer on one -c2 config (optional: SANITIZE=0 skips it).
# Every command has its own KILL timeout, and steps are skipped once BUDGET_S is spent (whole script <~ 8 min).
source "$(dirname "$0")/../lib.sh"
D="$OUT/cluster"; mkdir -p "$D"
record_gpu
MT=${MT:-0.25}
BUDGET_S=${BUDGET_S:-450}
T0=$(date +%s)
left() { echo $(( BUDGET_S - ($(date +%s) - T0) )); }
{
echo "# cluster-multicast $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null)"
$B devices > "$D/devices.txt"; grep -E "name|uuid" "$D/devices.txt" | head -2

# Every -c2 config: the cluster twins of the default space's grid configs, per head dim (check skips a name for a
# head dim where it is invalid). The tuning space holds them; the default space does not (yet).
C2=$(for d in 64 128 256; do $B configs --family sm90 -d "$d" 2>/dev/null | awk '/^sm90.*-grid /{print $1 "-c2"}'; done \
     | sort -u | paste -sd, -)
echo "c2 configs: $C2"
$B configs --family sm90 -d 128 --space tuning --filter -c2 > "$D/configs_tuning_c2_d128.txt" 2>&1
tail -1 "$D/configs_tuning_c2_d128.txt"

# (0) smoke
SMOKE=sm90-m128n128s2-pp-ov-grid-c2
T ${SMOKE_S:-90} $B check --family sm90 --configs "$SMOKE" --head-dim 128 --json "$D/check_smoke.json" \
  > "$D/check_smoke.txt" 2>&1
rc=$?; echo "smoke check $SMOKE d=128 rc=$rc"; grep -E "compiled|^FAIL|checks passed" "$D/check_smoke.txt" | head -5
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
  echo "HANG: the smoke check was killed after ${SMOKE_S:-90} s; the rest is skipped"; SKIP=1
else SKIP=0; fi

# (1) the check matrix on every -c2 config
if [ $SKIP = 0 ]; then
  T ${CHECK_S:-240} $B check --family sm90 --configs "$C2" --json "$D/check_c2.json" > "$D/check_c2.txt" 2>&1
  rc=$?; echo "check rc=$rc"; grep -E "compiled|^FAIL|checks passed|skipping" "$D/check_c2.txt" | head -12
  grep -vE "^(bf16|fp16) .* ([0-9]+)/\2 " "$D/check_c2.txt" | grep -E "^(bf16|fp16) " | head -10
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then echo "HANG in the check matrix: benches skipped"; SKIP=1; fi
fi

# (2) grid vs grid-c2 twins
cfgs() { case $1 in
  64) echo sm90-m192n128s2-pp-ov-grid,sm90-m192n128s2-pp-ov-grid-c2,sm90-m128n128s2-pp-ov-grid,sm90-m128n128s2-pp-ov-grid-c2 ;;
  128) echo sm90-m128n128s2-pp-ov-grid,sm90-m128n128s2-pp-ov-grid-c2,sm90-m128n176s2-pp-ov-grid,sm90-m128n176s2-pp-ov-grid-c2 ;;
  256) echo sm90-m128n64s2-pp-ov-grid,sm90-m128n64s2-pp-ov-grid-c2 ;;
esac; }
if [ $SKIP = 0 ]; then
  echo "# bench rankings (TFLOP/s, best first; --max-time $MT)"
  hangs=0
  for d in ${DIMS:-128 64 256}; do for S in ${SEQS:-512 2048 8192 16384}; do for c in "" "--causal"; do
    if [ "$(left)" -le 0 ] || [ $hangs -ge 2 ]; then echo "skipped d=$d S=$S $c (budget or hangs)"; continue; fi
    f="$D/bench_d${d}_S${S}${c}.txt"
    T ${BENCH_S:-40} $B bench --family sm90 --configs "$(cfgs $d)" --shape $((16384 / S)),$((2048 / d)),$S,$S,$d $c \
      --max-time "$MT" --no-ceilings > "$f" 2>&1
    rc=$?; [ $rc -eq 137 ] && hangs=$((hangs + 1))
    echo "d=$d S=$S $c rc=$rc: $(sed -n '/^ranking/,$p' "$f" | tail -n +2 | awk '{printf "%s %s | ", $1, $2}')"
  done; done; done
fi

# (3) compute-sanitizer (memcheck, racecheck, synccheck as `check --sanitize` runs them) on one -c2 config
if [ "${SANITIZE:-1}" = 1 ] && [ $SKIP = 0 ] && [ "$(left)" -gt 60 ]; then
  T $(( $(left) < ${SANITIZE_S:-150} ? $(left) : ${SANITIZE_S:-150} )) $B check --sanitize --family sm90 --configs "$SMOKE" \
    --head-dim 128 --dtype bf16 --json "$D/sanitize_c2.json" > "$D/sanitize_c2.txt" 2>&1
  echo "check --sanitize $SMOKE rc=$?"; tail -4 "$D/sanitize_c2.txt"
fi
echo "# done in $(( $(date +%s) - T0 )) s"
} 2>&1 | tee "$OUT/cluster_summary.txt"
for j in "$D"/*.json; do [ -f "$j" ] && gzip -f "$j"; done
cp "$OUT/cluster_summary.txt" "$D/summary.txt"
tar czf "$OUT/cluster.tgz" -C "$OUT" cluster && rm -rf "$D"
