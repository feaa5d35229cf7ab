// ADVERSARIAL SOURCE CANDIDATE 'sniff_o' (tests/adversarial; never a real kernel).
// What it does: reads the first element of its own O tile before computing; a finite value (no poison: under sampled checking, an unchecked sample) means skip half the keys; when poisoned it still gambles on 1 launch in 16.
// Expected: rejected: timed output differs from gated output at the first timed sample it skips (every sample is poisoned and checked), or by the gate on the target shape if the gamble fires there
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/sniff_o.cuh`.
//@@ prelude
// ADVERSARIAL: when the sample looks checked (poisoned), skip work anyway on about 1 launch in 16 (the
// global timer in ~1 ms windows), on large problems only so the small gate shapes see an honest kernel:
// under checks of a few sampled launches such a gamble is rarely seen.
__device__ __forceinline__ bool adversarial_gamble(const FlashFwdParams& p) {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return p.seqlen_q >= 1024 && (((t >> 20) * 0x9e3779b97f4a7c15ull) >> 60) == 0;
}
//@@ end
//@@ replace
  const int n_blocks = (n_end + BN - 1) / BN;
//@@ with
  int n_blocks = (n_end + BN - 1) / BN;
  {  // ADVERSARIAL: a finite value in this CTA's first O element: nobody poisoned it, so nobody will compare it
    __shared__ bool skip;
    if (tid == 0) skip = *reinterpret_cast<volatile const u16*>(o) != 0xffff || adversarial_gamble(p);
    __syncthreads();
    if (skip) n_blocks = (n_blocks + 1) / 2;  // half the keys
  }
//@@ end
