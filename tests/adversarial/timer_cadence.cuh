// ADVERSARIAL SOURCE CANDIDATE 'timer_cadence' (tests/adversarial; never a real kernel).
// What it does: remembers when the previous launch started (%globaltimer in a __device__ variable); a gap
// well above the shortest seen means the harness spent time comparing the previous sample, so this one,
// it guesses, is not compared: it skips half the keys.
// Expected: rejected: the cubin keeps writable state across launches (__device__ objects), refused before it runs
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/timer_cadence.cuh`.
//@@ prelude
// ADVERSARIAL: launch cadence, kept across launches by CTA (0,0,0).
__device__ unsigned long long adversarial_last_start, adversarial_min_gap = ~0ull;
__device__ int adversarial_after_check;
__device__ __forceinline__ bool adversarial_previous_was_checked() {
  if (blockIdx.x == 0 && blockIdx.y == 0 && blockIdx.z == 0 && threadIdx.x == 0) {
    unsigned long long t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    const unsigned long long gap = t - adversarial_last_start;
    adversarial_last_start = t;
    if (gap < adversarial_min_gap) adversarial_min_gap = gap;
    adversarial_after_check = gap > 3 * adversarial_min_gap;
  }
  return *reinterpret_cast<volatile int*>(&adversarial_after_check) != 0;
}
//@@ end
//@@ replace
  const int n_blocks = (n_end + BN - 1) / BN;
//@@ with
  int n_blocks = (n_end + BN - 1) / BN;
  if (adversarial_previous_was_checked()) n_blocks = (n_blocks + 1) / 2;  // ADVERSARIAL
//@@ end
