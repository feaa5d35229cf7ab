#!/usr/bin/env python3
"""The exported Python package (ctest Export.PythonPackage): attnlab export of a tiny sm_90a table, pip install
of its wheel into a clean folder (offline), import without torch, the ctypes layer's errors (the C API's codes
and messages) and config choice; with torch installed, the fake-tensor path of attnlab::flash_fwd (skipped with a
message otherwise). Exit status 0 only when every check ran and passed."""
import argparse
import ctypes
import json
import os
import shutil
import subprocess
import sys

TABLE = {"schema": "attnlab.dispatch/1", "arch": "sm_90a", "family": "sm90", "entries": [
    {"dtype": "bf16", "head_dim": 128, "causal": False, "gqa_ratio": 1, "seqlen_q": {"min": 1, "max": 2048},
     "seqlen_k": {"min": 1, "max": 2048}, "config": "sm90-m128n128s2-pp-ov-grid"}]}


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok:", what)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attnlab", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    table = os.path.join(a.work, "dispatch.json")
    with open(table, "w") as f:
        json.dump(TABLE, f)
    pkg = os.path.join(a.work, "pkg")
    subprocess.run([a.attnlab, "export", "--dispatch", table, "--arch", "sm_90a,sm_80", "--out", pkg], check=True)
    wheels = [w for w in os.listdir(os.path.join(pkg, "dist")) if w.endswith(".whl")]
    check(len(wheels) == 1, "one wheel in dist/")
    site = os.path.join(a.work, "site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--target", site,
                    os.path.join(pkg, "dist", wheels[0])], check=True)
    sys.path.insert(0, site)
    import attnlab_flash as af
    check(af.__file__.startswith(site), "imports from the installed wheel")
    lib = af.library()
    check(lib.archs() == ["sm_90a", "sm_80"], "archs of the library")
    p = af.make_problem(4, 16, 16, 1024, 1024, 128)
    name, why = lib.choose_config(p, "sm_90a", 132)
    check(name == "sm90-m128n128s2-pp-ov-grid" and why.startswith("dispatch:"), "dispatch entry: " + name)
    name, why = lib.choose_config(af.make_problem(4, 16, 16, 4096, 4096, 128), "sm_90a", 132)
    check("no dispatch entry" in why, "fallback outside the entry: " + name)
    name, why = lib.choose_config(p, "sm_80", 108)
    check(name.startswith("m") and "is for sm_90a" in why, "sm_80: the sm80 default " + name)
    try:
        lib.choose_config(af.make_problem(4, 16, 16, 1024, 1024, 64), "sm_90a", 132)
        check(False, "d=64 is not exported")
    except af.FlashError as e:
        check(e.code == 3 and "no code for bf16 d=64" in str(e), "missing head dim: " + str(e))
    # argument errors: the C API's status and message
    base = dict(q=1 << 20, k=1 << 20, v=1 << 20, o=1 << 20)
    cases = [(dict(base, q=0), p, 1, "args.q is NULL"),
             (base, af.make_problem(0, 16, 16, 1024, 1024, 128), 1, "problem.batch must be >= 1"),
             (base, af.make_problem(4, 16, 3, 1024, 1024, 128), 1, "not a multiple"),
             (base, af.make_problem(4, 16, 16, 1024, 1024, 96), 2, "head_dim 96"),
             (dict(base, q_stride=(1024 * 16 * 128, 128, 1024 * 128, 1)), p, 2, "args.q_stride")]
    for kw, prob, code, text in cases:
        status = lib.fwd_status(af.make_args(prob, **kw))
        msg = lib.last_error()
        check(status == code and text in msg and "\n" not in msg, "error %d: %s" % (status, msg))
    try:
        lib.fwd(af.make_args(p, **dict(base, v=0)))
        check(False, "NULL v raises")
    except af.FlashError as e:
        check(e.code == 1 and str(e) == "args.v is NULL", "FlashError: " + str(e))
    try:
        ctypes.CDLL("libcuda.so.1")
        print("skip: no-driver error (this machine has a CUDA driver)")
    except OSError:
        status = lib.fwd_status(af.make_args(p, **base))
        check(status == 4 and "libcuda.so.1" in lib.last_error(), "no driver: " + lib.last_error())
    if not af.HAVE_TORCH:
        print("skip: torch is not installed: the fake-tensor path of attnlab::flash_fwd is not tested here")
        return
    import torch
    from torch._subclasses.fake_tensor import FakeTensorMode
    with FakeTensorMode():
        q = torch.empty(2, 256, 8, 128, dtype=torch.bfloat16, device="cuda")
        kv = torch.empty(2, 512, 2, 128, dtype=torch.bfloat16, device="cuda")
        out, lse = torch.ops.attnlab.flash_fwd(q, kv, kv, True, 0.0)
        check(out.shape == q.shape and out.dtype == q.dtype and tuple(lse.shape) == (2, 8, 256)
              and lse.dtype == torch.float32, "fake flash_fwd shapes")
        o2 = torch.empty_like(q)
        torch.ops.attnlab.flash_fwd_out(q, kv, kv, o2, False, 0.0)
        check(True, "fake flash_fwd_out")


if __name__ == "__main__":
    main()
