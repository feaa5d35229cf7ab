#!/usr/bin/env bash
# Device call: issue 8 evidence in one lease: small shapes (event medians vs kernel durations), the
# adversarial suite through the real tune path (hung candidate included), the GPU unit tests, and (PROFILE=1)
# brief Nsight Compute profiles of the custom kernel and cuDNN. Everything lands in $OUT/trust.tgz.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}; D="$OUT/trust"; mkdir -p "$D"
BIN=${BIN:-build}
export B="$BIN/attnlab" TESTS="$BIN/attnlab_tests" ATTNLAB_CACHE_DIR=${ATTNLAB_CACHE_DIR:-/tmp/attnlab-kcache}
{
echo "== small shapes"; OUT="$D/small" timeout --signal=KILL ${SMALL_S:-90} bash scripts/device-small-shapes.sh 2>&1 | tail -16
echo "== adversarial"; SANITIZE_BUILTIN=0 OUT="$D/adv" timeout --signal=KILL ${ADV_S:-170} bash scripts/device-adversarial.sh 2>&1 | tail -24
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
