#!/usr/bin/env bash
# Device call: the full correctness matrix for every config, and the GPU unit tests.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export ATTNLAB_CACHE_DIR=${ATTNLAB_CACHE_DIR:-$PWD/build/kcache}
./build/attnlab devices | tee "$OUT/devices.txt"
./build/attnlab_tests --gtest_filter='Gpu.*' 2>&1 | tee "$OUT/gpu_tests.txt" | tail -8
time ./build/attnlab check --configs all --json "$OUT/check_all.json" > "$OUT/check_all.txt" 2>&1
echo "check rc=$?"; grep -v "^bf16\|^fp16" "$OUT/check_all.txt" | tail -20
./build/attnlab bench 2>&1 | tail -2
