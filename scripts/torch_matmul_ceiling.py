#!/usr/bin/env python3
"""torch.matmul n^3 (bf16, fp16) on random normal data: the reference for attnlab's GEMM ceiling.
Two methods, CUDA events and the L2 written between samples in both:
  burst:     10 warm-up runs, median of 50 samples (a fraction of a second of load);
  sustained: 0.5 s warm-up, then samples for >= 2 s, median (the GPU at its power/thermal steady state);
  core:      attnlab's timing core, ported in scripts/torch_peer.py (same warm-up, adaptive stop): the
             like-for-like comparison with `attnlab ceilings`.
"""
import os, sys, time
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_peer  # noqa: E402  (the timing core's Python port)

n = int(sys.argv[1]) if len(sys.argv) > 1 else 8192
flush = torch.empty(2 * torch.cuda.get_device_properties(0).L2_cache_size, dtype=torch.int8, device="cuda")


def sample(a, b, i):
    flush.fill_(i & 0x7F)
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    torch.matmul(a, b)
    e.record()
    torch.cuda.synchronize()
    return s.elapsed_time(e)


for dt in (torch.bfloat16, torch.float16):
    a = torch.randn(n, n, device="cuda", dtype=dt)
    b = torch.randn(n, n, device="cuda", dtype=dt)
    for method in ("burst", "sustained", "core"):
        if method == "core":
            m = torch_peer.measure(lambda: torch.matmul(a, b), torch_peer.StopRule(max_time_s=5.0),
                                   torch.cuda.get_device_properties(0).L2_cache_size)
            times = [x / 1e3 for x in m["raw_us"]] if isinstance(m, dict) and "raw_us" in m else None
            if times is None:
                print("torch_peer.measure returned an unexpected shape:", type(m))
                continue
        elif method == "burst":
            for _ in range(10):
                torch.matmul(a, b)
            times = [sample(a, b, i) for i in range(50)]
        else:
            t0 = time.time()
            while time.time() - t0 < 0.5:
                torch.matmul(a, b)
            torch.cuda.synchronize()
            times, t0 = [], time.time()
            while time.time() - t0 < 2.0:
                times.append(sample(a, b, len(times)))
        times.sort()
        med = times[len(times) // 2]
        print(f"torch.matmul {str(dt).split('.')[-1]} {n}^3 {method:9s} on {torch.cuda.get_device_name(0)}: "
              f"median {med*1e3:.1f} us of {len(times)}, {2 * n**3 / (med * 1e-3) / 1e12:.1f} TFLOP/s (torch {torch.__version__})")
        time.sleep(2)  # let the clocks recover between measurements
