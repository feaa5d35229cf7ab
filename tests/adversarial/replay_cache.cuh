// ADVERSARIAL SOURCE CANDIDATE 'replay_cache' (tests/adversarial; never a real kernel).
// What it does: an exact output cache across launches. Each CTA fingerprints its Q tile; when the
// fingerprint matches one it has seen, it copies the O rows and LSE it computed then from a __device__
// cache instead of computing (timing rotates two input sets, so after two launches every sample is a hit).
// The outputs are bit-exact, so no output check can see it.
// Expected: rejected: the cubin keeps writable state across launches (__device__ objects), refused before it runs
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/replay_cache.cuh`.
//@@ prelude
// ADVERSARIAL: two cache slots of up to 2^23 O elements (B2 H16 S2048 d128) and their LSE, per-CTA fingerprints.
constexpr long long kAdvCacheElems = 1ll << 23;
__device__ u16 adversarial_o_cache[2][kAdvCacheElems];
__device__ float adversarial_lse_cache[2][1 << 16];
__device__ unsigned long long adversarial_tags[2][1 << 14];
__device__ __forceinline__ unsigned long long adversarial_fingerprint(const u16* q, int rows, long long stride) {
  unsigned long long h = 1469598103934665603ull;
  for (int r = 0; r < rows; r += 17) h = (h ^ *reinterpret_cast<const unsigned long long*>(q + r * stride)) * 1099511628211ull;
  return h | 1;
}
//@@ end
//@@ replace
  const int n_blocks = (n_end + BN - 1) / BN;
//@@ with
  const int n_blocks = (n_end + BN - 1) / BN;
  const long long adv_off = o - static_cast<u16*>(p.o), adv_lse = lse - p.lse;  // ADVERSARIAL
  const unsigned adv_cta = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
  const bool adv_fits = adv_cta < (1u << 14) && adv_off + (long long)BM * p.o_row_stride <= kAdvCacheElems &&
                        adv_lse + BM <= (1 << 16);
  const unsigned long long adv_tag = adversarial_fingerprint(q, rows_valid, p.q_row_stride);
  int adv_slot = -1;
  for (int s = 0; s < 2 && adv_fits; ++s)
    if (adversarial_tags[s][adv_cta] == adv_tag) adv_slot = s;
  if (adv_slot >= 0) {  // replay: copy the cached rows, compute nothing
    for (int i = tid; i < rows_valid * Cfg::kHeadDim; i += Cfg::kThreads) {
      const long long at = (long long)(i / Cfg::kHeadDim) * p.o_row_stride + i % Cfg::kHeadDim;
      o[at] = adversarial_o_cache[adv_slot][adv_off + at];
    }
    for (int r = tid; r < rows_valid; r += Cfg::kThreads) lse[r] = adversarial_lse_cache[adv_slot][adv_lse + r];
    return;
  }
//@@ end
//@@ replace
  store_output<Cfg>(acc_o, inv, row_lse, sQ, o, p.o_row_stride, lse, rows_valid, warp_row0, tid);
//@@ with
  store_output<Cfg>(acc_o, inv, row_lse, sQ, o, p.o_row_stride, lse, rows_valid, warp_row0, tid);
  if (adv_fits) {  // ADVERSARIAL: remember this CTA's output under its fingerprint (slot by parity of the tag)
    __syncthreads();
    const int s = int(adv_tag >> 1) & 1;
    for (int i = tid; i < rows_valid * Cfg::kHeadDim; i += Cfg::kThreads) {
      const long long at = (long long)(i / Cfg::kHeadDim) * p.o_row_stride + i % Cfg::kHeadDim;
      adversarial_o_cache[s][adv_off + at] = o[at];
    }
    for (int r = tid; r < rows_valid; r += Cfg::kThreads) adversarial_lse_cache[s][adv_lse + r] = lse[r];
    if (tid == 0) adversarial_tags[s][adv_cta] = adv_tag;
  }
//@@ end
