#!/usr/bin/env python3
"""torch.matmul n^3 (bf16, fp16) on random data: the reference point for attnlab's measured GEMM ceiling.
CUDA events, 10 warm-up runs, median of 50, L2 written between samples. Prints one line per dtype."""
import sys
import torch

n = int(sys.argv[1]) if len(sys.argv) > 1 else 8192
flush = torch.empty(2 * torch.cuda.get_device_properties(0).L2_cache_size, dtype=torch.int8, device="cuda")
for dt in (torch.bfloat16, torch.float16):
    a = torch.randn(n, n, device="cuda", dtype=dt)
    b = torch.randn(n, n, device="cuda", dtype=dt)
    for _ in range(10):
        torch.matmul(a, b)
    times = []
    for i in range(50):
        flush.fill_(i & 0x7F)
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        torch.matmul(a, b)
        e.record()
        torch.cuda.synchronize()
        times.append(s.elapsed_time(e))
    times.sort()
    med = times[len(times) // 2]
    print(f"torch.matmul {str(dt).split('.')[-1]} {n}^3 on {torch.cuda.get_device_name(0)}: median {med*1e3:.1f} us, "
          f"{2 * n**3 / (med * 1e-3) / 1e12:.1f} TFLOP/s (torch {torch.__version__})")
