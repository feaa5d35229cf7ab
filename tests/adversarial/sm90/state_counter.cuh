// ADVERSARIAL SOURCE CANDIDATE 'state_counter' (tests/adversarial/sm90, the sm90 twin of ../state_counter.cuh; never a real kernel).
// What it does: keeps a __device__ launch counter; after 12 launches (past the gate) each tile processes only half its key blocks.
// Expected: rejected: the cubin keeps writable state across launches (__device__ objects), refused before it runs (without that rule: the timed-output verification at the first skipped sample)
// Written as edits of the sm90 family's kernel files (backends/custom/kernel_patch.hpp); hand in the file
// itself as source_file with an sm90 config.
//@@ file sm90/consumer.cuh
//@@ prelude
// ADVERSARIAL: launches counted across calls (thread 0 of CTA 0 counts, everyone reads it).
__device__ unsigned adversarial_launches;
__device__ __forceinline__ unsigned adversarial_launch_count() {
  if (blockIdx.x == 0 && blockIdx.y == 0 && blockIdx.z == 0 && threadIdx.x == 128) atomicAdd(&adversarial_launches, 1u);
  return *reinterpret_cast<volatile unsigned*>(&adversarial_launches);
}
//@@ end
//@@ replace
    const int n_blocks = kv_blocks<Cfg>(f, t.m_block);
//@@ with
    int n_blocks = kv_blocks<Cfg>(f, t.m_block);
    if (adversarial_launch_count() > 12) n_blocks = (n_blocks + 1) / 2;  // ADVERSARIAL
//@@ end
