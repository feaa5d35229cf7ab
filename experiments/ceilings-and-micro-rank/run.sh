#!/usr/bin/env bash
# Is attnlab's GEMM ceiling torch.matmul's, is attnlab's cuDNN SDPA torch's on the same cuDNN library (torch's
# 9.19), and does the microbenchmark rank configs like the full kernel (was scripts/device-ceilings-micro.sh)?
# GEMM ceiling (attnlab, twice) vs torch.matmul (burst and sustained), cudnn vs torch-cudnn, `attnlab micro`.
source "$(dirname "$0")/../lib.sh"
record_gpu
$B ceilings --remeasure 2>&1 | tee "$OUT/ceilings_1.txt"
python3 scripts/torch_matmul_ceiling.py 8192 2>&1 | tee "$OUT/torch_matmul.txt"
$B ceilings --remeasure 2>&1 | tee "$OUT/ceilings_2.txt"
TORCH_CUDNN=$(python3 -c "import nvidia.cudnn, os; print(os.path.join(list(nvidia.cudnn.__path__)[0], 'lib'))")
echo "cuDNN for attnlab: $TORCH_CUDNN"
LD_LIBRARY_PATH=$TORCH_CUDNN:${LD_LIBRARY_PATH:-} $B compare --backends cudnn,torch-cudnn --seqlens 2048,4096,8192 \
  --head-dims 128 --mask none --max-time 10 --out "$OUT/compare_cudnn_vs_torch_same_lib.json" \
  2>"$OUT/compare_cudnn_vs_torch_same_lib.log" | tail -5
python3 -c "import json;d=json.load(open('$OUT/compare_cudnn_vs_torch_same_lib.json'));print(d['environment']['versions'])"
$B micro --out "$OUT/micro_best.json" > "$OUT/micro.txt" 2>&1; tail -4 "$OUT/micro.txt"
