#!/usr/bin/env bash
# Why is d=128 causal S=512 (B=32 H=16 bf16) the one compare cell under 0.9x of cuDNN (was
# scripts/device-causal512.sh)? (1) the full sm90 check matrix with the shipped kernel text (grid configs had not
# been re-checked since the Q-buffer change), (2) the cuDNN GPU tests (autotune default, disk cache), timed,
# (3) full-metric ncu profiles of custom and cuDNN on that cell.
source "$(dirname "$0")/../lib.sh"
D="$OUT/causal512"; mkdir -p "$D"
record_gpu
{
$B devices > "$D/devices.txt"; grep -E "uuid" "$D/devices.txt" | head -1
t0=$(date +%s)
T 240 $B check --family sm90 --json "$D/check_sm90.json" > "$D/check_sm90.txt" 2>&1
echo "check rc=$? in $(( $(date +%s) - t0 )) s"; grep -E "compiled|^FAIL|checks passed" "$D/check_sm90.txt" | head -8
t0=$(date +%s)
T 300 $BIN/attnlab_tests --gtest_filter='CudnnSdpa*' > "$D/gtest_cudnn.txt" 2>&1
echo "cudnn gtests rc=$? in $(( $(date +%s) - t0 )) s"; grep -E "^\[ +(OK|FAILED|PASSED|SKIPPED) " "$D/gtest_cudnn.txt" | head -20
for b in custom cudnn; do
  t0=$(date +%s)
  T 150 $B profile --backend $b --shape 32,16,512,512,128 --causal --metrics full --out "$D/profile_$b" > "$D/profile_$b.txt" 2>&1
  echo "profile $b rc=$? in $(( $(date +%s) - t0 )) s"; tail -25 "$D/profile_$b.txt"
done
} 2>&1 | tee "$OUT/causal512_summary.txt"
gzip -f "$D/check_sm90.json"
tar czf "$OUT/causal512.tgz" -C "$OUT" causal512 && rm -rf "$D"
