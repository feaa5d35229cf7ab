// ADVERSARIAL SOURCE CANDIDATE 'hang_after_gate' (tests/adversarial; never a real kernel).
// What it does: spins forever once the launch counter passes 12 (after the gate, during timing).
// Expected: rejected: the cubin keeps writable state across launches (__device__ objects), refused before it runs (without that rule: the timed-output verification at the first skipped sample, or the worker's time limit)
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/hang_after_gate.cuh`.
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
  const int n_blocks = (n_end + BN - 1) / BN;
  if (adversarial_launch_count() > 12)  // ADVERSARIAL: never returns
    while (*reinterpret_cast<volatile unsigned*>(&adversarial_launches) > 0) {
    }
//@@ end
