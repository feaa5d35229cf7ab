#!/usr/bin/env bash
# The full correctness matrix of every default-space sm80 config on an H100, and the GPU unit tests
# (was scripts/device-check.sh).
source "$(dirname "$0")/../lib.sh"
record_gpu
$B devices | tee "$OUT/devices.txt"
$TESTS --gtest_filter='Gpu.*' 2>&1 | tee "$OUT/gpu_tests.txt" | tail -8
time $B check --configs all --json "$OUT/check_all.json" > "$OUT/check_all.txt" 2>&1
echo "check rc=$?"; grep -v "^bf16\|^fp16" "$OUT/check_all.txt" | tail -20
$B bench 2>&1 | tail -2
