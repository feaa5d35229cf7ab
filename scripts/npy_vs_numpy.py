#!/usr/bin/env python3
"""Runs `attnlab run` on inputs made by numpy and compares O and LSE with a numpy float64 reference.

Covers fp16 (<f2), bf16 (<u2 bit patterns), causal with seqlen_q != seqlen_k and GQA. Exit 1 on mismatch.
Usage: scripts/npy_vs_numpy.py [path/to/attnlab]
"""
import os, subprocess, sys, tempfile
import numpy as np

BIN = sys.argv[1] if len(sys.argv) > 1 else "./build/attnlab"
rng = np.random.default_rng()


def bf16_bits(x):  # round to nearest even, like the kernel's inputs
    u = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def bf16_value(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def reference(q, k, v, causal):
    b, sq, h, d = q.shape
    sk, hk = k.shape[1], k.shape[2]
    k = np.repeat(k, h // hk, axis=2).astype(np.float64)
    v = np.repeat(v, h // hk, axis=2).astype(np.float64)
    s = np.einsum("bihd,bjhd->bhij", q.astype(np.float64), k) / np.sqrt(d)
    if causal:
        i = np.arange(sq)[:, None]
        j = np.arange(sk)[None, :]
        s = np.where(j <= i + sk - sq, s, -np.inf)
    m = s.max(-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    p = np.exp(s - m)
    l = p.sum(-1, keepdims=True)
    o = np.einsum("bhij,bjhd->bihd", p / np.where(l > 0, l, 1), v)
    lse = np.where(l[..., 0] > 0, (m + np.log(np.where(l > 0, l, 1)))[..., 0], np.inf)
    return o, lse


failures = 0
with tempfile.TemporaryDirectory() as tmp:
    for dtype in ("fp16", "bf16"):
        for (b, h, hk, sq, sk, d, causal) in [(2, 4, 4, 77, 77, 64, False), (1, 8, 2, 300, 129, 128, True),
                                              (2, 4, 1, 129, 300, 256, True), (1, 2, 2, 1000, 1000, 128, False)]:
            x = [rng.standard_normal(s).astype(np.float32) for s in ((b, sq, h, d), (b, sk, hk, d), (b, sk, hk, d))]
            if dtype == "fp16":
                stored = [a.astype(np.float16) for a in x]
                values = [a.astype(np.float64) for a in stored]
            else:
                stored = [bf16_bits(a) for a in x]
                values = [bf16_value(a).astype(np.float64) for a in stored]
            paths = [os.path.join(tmp, n) for n in ("q.npy", "k.npy", "v.npy")]
            for pth, a in zip(paths, stored):
                np.save(pth, a)
            out, lse_path = os.path.join(tmp, "o.npy"), os.path.join(tmp, "lse.npy")
            cmd = [BIN, "run", "--q", paths[0], "--k", paths[1], "--v", paths[2], "--out", out, "--lse", lse_path]
            if causal:
                cmd.append("--causal")
            subprocess.run(cmd, check=True)
            o = np.load(out)
            o = o.astype(np.float64) if dtype == "fp16" else bf16_value(o).astype(np.float64)
            lse = np.load(lse_path)
            ro, rlse = reference(*values, causal)
            err = np.abs(o - ro).max()
            rel = np.linalg.norm(o - ro) / np.linalg.norm(ro)
            fin = np.isfinite(rlse)
            lerr = np.abs(lse[fin] - rlse[fin]).max()
            same_inf = np.array_equal(np.isinf(lse), np.isinf(rlse))
            tol = (2e-2, 1e-2) if dtype == "bf16" else (4e-3, 2e-3)
            ok = err <= tol[0] and rel <= tol[1] and lerr <= 1e-3 and same_inf and not np.isnan(o).any()
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {dtype} B={b} H={h}/{hk} Sq={sq} Sk={sk} d={d} causal={causal}: "
                  f"O max-abs {err:.2e} rel-L2 {rel:.2e}, LSE max-abs {lerr:.2e}, empty rows match {same_inf}")
print("npy_vs_numpy:", "FAILED" if failures else "all passed")
sys.exit(1 if failures else 0)
