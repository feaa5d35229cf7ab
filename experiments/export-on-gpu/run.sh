#!/usr/bin/env bash
# The exported package on a GPU (issue 20, docs/export.md): export the campaign's table, install the wheel into a
# clean folder, the three-line usage with its cold-start time, torch.library.opcheck and a CUDA-graph capture of
# attnlab::flash_fwd against SDPA. Writes logs under $OUT. (`attnlab check --exported DIR` is added here once it
# exists.)
source "$(dirname "$0")/../lib.sh"
record_gpu
TABLE=${TABLE:?set TABLE to a campaign's dispatch.json}
$B export --dispatch "$TABLE" --arch sm_90a,sm_80 --out "$OUT/pkg" 2>&1 | tee "$OUT/export.txt" | tail -3
python3 -m venv --system-site-packages "$OUT/venv"
"$OUT/venv/bin/pip" install --no-deps "$OUT"/pkg/dist/*.whl 2>&1 | tee "$OUT/pip.txt" | tail -1
cd "$OUT" && "$OUT/venv/bin/python" - <<'PY' 2>&1 | tee "$OUT/usage.txt"
import time
t0 = time.perf_counter()
import torch, attnlab_flash
q, k, v = (torch.randn(1, 4096, 32, 128, device="cuda", dtype=torch.bfloat16) for _ in range(3))
o = attnlab_flash.flash_attention(q, k, v, causal=True); torch.cuda.synchronize()
print(f"cold start (import to first result): {time.perf_counter() - t0:.2f} s")
ref = torch.nn.functional.scaled_dot_product_attention(*(x.transpose(1, 2) for x in (q, k, v)), is_causal=True).transpose(1, 2)
print("max |o - sdpa|:", (o.float() - ref.float()).abs().max().item())
torch.library.opcheck(torch.ops.attnlab.flash_fwd.default, (q, k, v, True, 0.0))
print("opcheck: passed")
g = torch.cuda.CUDAGraph()
out = torch.empty_like(q)
with torch.cuda.graph(g):
    attnlab_flash.flash_attention(q, k, v, causal=True, out=out)
g.replay(); torch.cuda.synchronize()
print("graph replay max |out - sdpa|:", (out.float() - ref.float()).abs().max().item())
f = torch.compile(lambda a, b, c: attnlab_flash.flash_attention(a, b, c, causal=True), fullgraph=True)
print("torch.compile max |o - sdpa|:", (f(q, k, v).float() - ref.float()).abs().max().item())
PY
