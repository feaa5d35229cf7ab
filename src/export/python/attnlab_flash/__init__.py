"""attnlab_flash: FlashAttention forward kernels exported by `attnlab export` (docs/export.md).

Without torch: the ctypes binding (Library, make_problem, make_args, FlashError). With torch: the operators
torch.ops.attnlab.flash_fwd(q, k, v, causal, scale) -> (out, lse) and torch.ops.attnlab.flash_fwd_out(q, k, v,
out, causal, scale), registered on import, and flash_attention(q, k, v, causal=False, scale=None, out=None).
Tensors are (batch, seq, heads, head_dim), bf16 or fp16, contiguous, on one CUDA device."""
import importlib.util

from ._capi import (ABI_VERSION, BF16, FP16, FlashError, Library, contiguous_strides, library, make_args,
                    make_problem)

__all__ = ["ABI_VERSION", "BF16", "FP16", "FlashError", "Library", "contiguous_strides", "library", "make_args",
           "make_problem", "HAVE_TORCH"]

HAVE_TORCH = importlib.util.find_spec("torch") is not None
if HAVE_TORCH:
    from .torch_ops import flash_attention  # noqa: F401  (registers attnlab::flash_fwd and flash_fwd_out)
    __all__.append("flash_attention")
