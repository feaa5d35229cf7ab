#!/usr/bin/env bash
# Does the verified timing path of issue 8 hold on a GPU, in one lease (was scripts/device-final-trust.sh)?
# Small shapes (event medians vs kernel durations), the adversarial suite through the real tune path (hung
# candidate included), the GPU unit tests, and (PROFILE=1) brief Nsight Compute profiles of the custom kernel
# and cuDNN. Everything lands in $OUT/trust.tgz.
source "$(dirname "$0")/../lib.sh"
D="$OUT/trust"; mkdir -p "$D"
record_gpu
{
echo "== small shapes"; OUT="$D/small" timeout --signal=KILL ${SMALL_S:-90} bash experiments/small-shapes-gpu-time/run.sh 2>&1 | tail -16
echo "== adversarial"; SANITIZE_BUILTIN=0 OUT="$D/adv" timeout --signal=KILL ${ADV_S:-170} bash experiments/adversarial-suite/run.sh 2>&1 | tail -24
echo "== GPU unit tests"
timeout --signal=KILL ${GPUT_S:-120} $TESTS --gtest_filter='Gpu*:VerifiedTiming*:*Gpu*' > "$D/gpu_tests.txt" 2>&1
echo "gpu tests rc=$?"; grep -E "^\[  (PASSED|FAILED) |tests ran" "$D/gpu_tests.txt" | head
[ "${PROFILE:-0}" = 1 ] && echo "== profile"
P="$D/profile"; mkdir -p "$P"
[ "${PROFILE:-0}" = 1 ] && for be in custom cudnn; do
  timeout --signal=KILL 45 $B profile --backend $be --shape 4,16,4096,4096,128 --metrics brief --out "$P/$be" --db "$P/profile.db" \
    > "$P/brief_$be.txt" 2>&1; echo "profile $be rc=$?"; tail -6 "$P/brief_$be.txt"
done
} 2>&1 | tee "$OUT/trust_summary.txt"
tar czf "$OUT/trust.tgz" -C "$OUT" trust && rm -rf "$D"
