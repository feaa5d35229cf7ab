#!/usr/bin/env bash
# Device call for the measurement core and baselines: GPU tests of the baselines, 5 repeated benches,
# GEMM ceiling vs torch.matmul, nvbench cross-check, cuDNN (attnlab) vs torch's cuDNN backend.
# Expects devrun/ (binaries + kernel cache) and the nvbench lib to be carried.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export ATTNLAB_CACHE_DIR=$PWD/devrun/kcache
export LD_LIBRARY_PATH=$PWD/.deps/py/cuda/bench/cu13/nvbench/lib:${LD_LIBRARY_PATH:-}
B=./devrun/attnlab
$B devices > "$OUT/devices.txt"; head -2 "$OUT/devices.txt"
./devrun/attnlab_tests --gtest_filter='Gpu.ReferenceMatchesCpuFp64:Gpu.GateRejectsWrongKernels:Cudnn*:Gemm*:Unfused*:TorchPeer*' > "$OUT/gpu_tests.txt" 2>&1
grep -E "PASSED|FAILED|Failure" "$OUT/gpu_tests.txt" | head
$B bench --repeat 5 --json "$OUT/bench_repeat.json" 2>&1 | tee "$OUT/bench_repeat.txt" | grep -E "repeat|TFLOP" | tail -3
python3 scripts/torch_matmul_ceiling.py 8192 2>&1 | tee "$OUT/torch_matmul.txt"
python3 -c "import json;c=json.load(open('$OUT/bench_repeat.json'))['ceilings'];print('attnlab ceilings:',c)"
./devrun/attnlab_nvbench --json "$OUT/nvbench.json" > "$OUT/nvbench.txt" 2>&1; grep -E "GPU Time|attnlab_custom|\|" "$OUT/nvbench.txt" | tail -4
$B bench --json "$OUT/bench_after_nvbench.json" 2>&1 | tail -1
$B compare --backends custom,cudnn,torch-cudnn,torch-flash --seqlens 2048,4096,8192 --head-dims 128 --mask none \
  --out "$OUT/compare_cudnn_vs_torch.json" 2>"$OUT/compare_cudnn_vs_torch.log" | tail -6
