#!/usr/bin/env bash
# Device call: the adversarial suite (with the honest source control) and the GPU unit tests, then
# `attnlab evidence --quick` into evidence/h100/quick and its --resume rerun.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}; BIN=${BIN:-build}
export B="$BIN/attnlab" TESTS="$BIN/attnlab_tests" ATTNLAB_CACHE_DIR=${ATTNLAB_CACHE_DIR:-/tmp/attnlab-kcache}
{
echo "== adversarial"; SANITIZE_BUILTIN=0 OUT="$OUT/adv" timeout --signal=KILL ${ADV_S:-240} bash scripts/device-adversarial.sh 2>&1 | tail -16
timeout --signal=KILL ${GPUT_S:-150} $TESTS --gtest_filter='Gpu.*:VerifiedTiming.*' > "$OUT/adv/gpu_tests.txt" 2>&1
echo "gpu tests rc=$?"; grep -E "^\[  (PASSED|FAILED) |tests ran" "$OUT/adv/gpu_tests.txt" | head
tar czf "$OUT/adv.tgz" -C "$OUT" adv && rm -rf "$OUT/adv"
echo "== evidence --quick"
MODE=quick EVIDENCE_DIR=evidence/h100/quick EVIDENCE_S=${EVIDENCE_S:-330} bash scripts/device-evidence.sh 2>&1 | tail -30
} 2>&1 | tee "$OUT/call_summary.txt"
