"""attnlab::flash_fwd as a torch.library custom op: a fake (meta) implementation for torch.compile and FakeTensor,
the tensor's device and torch.cuda.current_stream() for the launch, and an out= form (flash_fwd_out, which
mutates out). Nothing is compiled against torch: the kernel is the exported library, called through ctypes."""
import math
from typing import Optional, Tuple

import torch

from . import _capi

_DTYPES = {torch.bfloat16: _capi.BF16, torch.float16: _capi.FP16}


def _problem(q, k, causal, scale):
    if q.dim() != 4 or k.dim() != 4:
        raise ValueError("attnlab_flash: q, k, v must be (batch, seq, heads, head_dim)")
    if q.dtype not in _DTYPES:
        raise TypeError("attnlab_flash: dtype %s is not supported (bf16, fp16)" % q.dtype)
    b, sq, h, d = q.shape
    _, sk, hk, _ = k.shape
    return _capi.make_problem(b, h, hk, sq, sk, d, _DTYPES[q.dtype], causal, float(scale))


def _launch(q, k, v, out, lse, causal, scale):
    for name, t in (("k", k), ("v", v), ("out", out)):
        if t.device != q.device or t.dtype != q.dtype:
            raise ValueError("attnlab_flash: %s is %s on %s, q is %s on %s" % (name, t.dtype, t.device, q.dtype, q.device))
    p = _problem(q, k, causal, scale)
    with torch.cuda.device(q.device):
        # zeroed once per call: the persistent configs' tile counter (ATTNLAB_FLASH_WORKSPACE_BYTES)
        workspace = torch.zeros(_capi.WORKSPACE_BYTES // 4, dtype=torch.int32, device=q.device)
        stream = torch.cuda.current_stream(q.device).cuda_stream
        args = _capi.make_args(p, q.data_ptr(), k.data_ptr(), v.data_ptr(), out.data_ptr(),
                               lse.data_ptr() if lse is not None else None, tuple(q.stride()), tuple(k.stride()),
                               tuple(v.stride()), tuple(out.stride()), workspace.data_ptr(), stream)
        _capi.library().fwd(args)


@torch.library.custom_op("attnlab::flash_fwd", mutates_args=())
def flash_fwd(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool = False,
              scale: float = 0.0) -> Tuple[torch.Tensor, torch.Tensor]:
    out = torch.empty_like(q)
    b, sq, h, _ = q.shape
    lse = torch.empty((b, h, sq), dtype=torch.float32, device=q.device)
    _launch(q, k, v, out, lse, causal, scale)
    return out, lse


@flash_fwd.register_fake
def _(q, k, v, causal=False, scale=0.0):
    b, sq, h, _ = q.shape
    return torch.empty_like(q), q.new_empty((b, h, sq), dtype=torch.float32)


@torch.library.custom_op("attnlab::flash_fwd_out", mutates_args=("out",))
def flash_fwd_out(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, out: torch.Tensor, causal: bool = False,
                  scale: float = 0.0) -> None:
    _launch(q, k, v, out, None, causal, scale)


@flash_fwd_out.register_fake
def _(q, k, v, out, causal=False, scale=0.0):
    return None


def flash_attention(q, k, v, causal=False, scale=None, out=None):
    """O for (batch, seq, heads, head_dim) tensors; scale None: 1/sqrt(head_dim). With out=, writes into out."""
    s = 0.0 if scale is None else float(scale)
    if out is not None:
        torch.ops.attnlab.flash_fwd_out(q, k, v, out, causal, s)
        return out
    return torch.ops.attnlab.flash_fwd(q, k, v, causal, s)[0]
