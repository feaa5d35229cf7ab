#!/usr/bin/env bash
# Does the gate of issue 8 reject the whole adversarial suite on an H100, hang included, with the honest source
# control accepted (was scripts/device-call-adversarial.sh)? The suite (the hang last, the honest source control,
# honest built-ins) and the GPU unit tests of the gate and the verified timing. Lands in $OUT/adv.tgz.
source "$(dirname "$0")/../lib.sh"
record_gpu
{
T0=$(date +%s)
SANITIZE_BUILTIN=0 OUT="$OUT/adv" timeout --signal=KILL ${ADV_S:-400} bash experiments/adversarial-suite/run.sh 2>&1 | tail -18
echo "adversarial suite: $(( $(date +%s) - T0 )) s"
timeout --signal=KILL ${GPUT_S:-120} $TESTS --gtest_filter='Gpu.*:VerifiedTiming.*' > "$OUT/adv/gpu_tests.txt" 2>&1
echo "gpu tests rc=$?"; grep -E "^\[  (PASSED|FAILED) |tests ran" "$OUT/adv/gpu_tests.txt" | head
} 2>&1 | tee "$OUT/adv_summary.txt"
tar czf "$OUT/adv.tgz" -C "$OUT" adv && rm -rf "$OUT/adv"
