#!/usr/bin/env bash
# Device call: the adversarial suite (the hang last, the honest source control, honest built-ins) and the GPU
# unit tests of the gate and the verified timing. Lands in $OUT/adv.tgz.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}; BIN=${BIN:-build}
export B="$BIN/attnlab" TESTS="$BIN/attnlab_tests" ATTNLAB_CACHE_DIR=${ATTNLAB_CACHE_DIR:-/tmp/attnlab-kcache}
{
T0=$(date +%s)
SANITIZE_BUILTIN=0 OUT="$OUT/adv" timeout --signal=KILL ${ADV_S:-400} bash scripts/device-adversarial.sh 2>&1 | tail -18
echo "adversarial suite: $(( $(date +%s) - T0 )) s"
timeout --signal=KILL ${GPUT_S:-120} $TESTS --gtest_filter='Gpu.*:VerifiedTiming.*' > "$OUT/adv/gpu_tests.txt" 2>&1
echo "gpu tests rc=$?"; grep -E "^\[  (PASSED|FAILED) |tests ran" "$OUT/adv/gpu_tests.txt" | head
} 2>&1 | tee "$OUT/adv_summary.txt"
tar czf "$OUT/adv.tgz" -C "$OUT" adv && rm -rf "$OUT/adv"
