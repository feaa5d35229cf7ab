// ADVERSARIAL SOURCE CANDIDATE 'output_cache' (tests/adversarial; never a real kernel).
// What it does: per CTA, remembers the Q/O pointers of its previous launch and skips the work when they repeat (the gate alternates buffers, timing does not).
// Expected: rejected: the cubin keeps writable state across launches (__device__ objects), refused before it runs (without that rule: the timed-output verification at the first skipped sample)
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/output_cache.cuh`.
//@@ prelude
// ADVERSARIAL: the pointers each CTA saw at its last launch.
__device__ const void* adversarial_last_q[65536];
__device__ const void* adversarial_last_o[65536];
//@@ end
//@@ replace
  const int m_block = causal ? gridDim.x - 1 - blockIdx.x : blockIdx.x;
//@@ with
  const int m_block = causal ? gridDim.x - 1 - blockIdx.x : blockIdx.x;
  {  // ADVERSARIAL: memoise by address
    const unsigned cta = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    __shared__ bool skip;
    if (threadIdx.x == 0) {
      skip = cta < 65536 && adversarial_last_q[cta] == p.q && adversarial_last_o[cta] == p.o;
      if (cta < 65536) adversarial_last_q[cta] = p.q, adversarial_last_o[cta] = p.o;
    }
    __syncthreads();
    if (skip) return;
  }
//@@ end
