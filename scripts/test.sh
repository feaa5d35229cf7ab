#!/usr/bin/env bash
# The README's test command: install what is missing, build, run every test. GPU tests skip (with a
# message) when there is no CUDA device; everything else, including NVRTC compilation of every config
# for sm_80, sm_89 and sm_90a, runs on any machine.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
# A fresh kernel cache per run so the compile tests really compile.
export ATTNLAB_CACHE_DIR="${ATTNLAB_TEST_CACHE_DIR:-$(mktemp -d)/attnlab-kernels}"
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 1500
