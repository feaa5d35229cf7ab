// ADVERSARIAL SOURCE CANDIDATE 'state_counter' (tests/adversarial; never a real kernel).
// What it does: keeps a __device__ launch counter; after 12 launches (past the gate) it processes only half the keys.
// Expected: rejected: the cubin keeps writable state across launches (__device__ objects), refused before it runs (without that rule: the timed-output verification at the first skipped sample)
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/state_counter.cuh`.
//@@ prelude
// ADVERSARIAL: launches counted across calls (CTA (0,0,0) counts, everyone reads it).
__device__ unsigned adversarial_launches;
__device__ __forceinline__ unsigned adversarial_launch_count() {
  if (blockIdx.x == 0 && blockIdx.y == 0 && blockIdx.z == 0 && threadIdx.x == 0) atomicAdd(&adversarial_launches, 1u);
  return *reinterpret_cast<volatile unsigned*>(&adversarial_launches);
}
//@@ end
//@@ replace
  const int n_blocks = (n_end + BN - 1) / BN;
//@@ with
  int n_blocks = (n_end + BN - 1) / BN;
  if (adversarial_launch_count() > 12) n_blocks = (n_blocks + 1) / 2;  // ADVERSARIAL
//@@ end
