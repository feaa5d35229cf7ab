#!/usr/bin/env bash
# Does attnlab's timing core agree with other timers (was scripts/device-issue3.sh)? GPU tests of the
# baselines, 5 repeated benches, GEMM ceiling vs torch.matmul, nvbench cross-check, cuDNN (attnlab) vs torch's
# cuDNN backend. Ran with BIN=devrun (binaries + kernel cache carried) and the nvbench library under .deps/.
source "$(dirname "$0")/../lib.sh"
export LD_LIBRARY_PATH=$PWD/.deps/py/cuda/bench/cu13/nvbench/lib:${LD_LIBRARY_PATH:-}
record_gpu
$B devices > "$OUT/devices.txt"; head -2 "$OUT/devices.txt"
$TESTS --gtest_filter='Gpu.ReferenceMatchesCpuFp64:Gpu.GateRejectsWrongKernels:Cudnn*:Gemm*:Unfused*:TorchPeer*' > "$OUT/gpu_tests.txt" 2>&1
grep -E "PASSED|FAILED|Failure" "$OUT/gpu_tests.txt" | head
$B bench --repeat 5 --json "$OUT/bench_repeat.json" 2>&1 | tee "$OUT/bench_repeat.txt" | grep -E "repeat|TFLOP" | tail -3
python3 scripts/torch_matmul_ceiling.py 8192 2>&1 | tee "$OUT/torch_matmul.txt"
python3 -c "import json;c=json.load(open('$OUT/bench_repeat.json'))['ceilings'];print('attnlab ceilings:',c)"
$BIN/attnlab_nvbench --json "$OUT/nvbench.json" > "$OUT/nvbench.txt" 2>&1; grep -E "GPU Time|attnlab_custom|\|" "$OUT/nvbench.txt" | tail -4
$B bench --json "$OUT/bench_after_nvbench.json" 2>&1 | tail -1
$B compare --backends custom,cudnn,torch-cudnn,torch-flash --seqlens 2048,4096,8192 --head-dims 128 --mask none \
  --out "$OUT/compare_cudnn_vs_torch.json" 2>"$OUT/compare_cudnn_vs_torch.log" | tail -6
