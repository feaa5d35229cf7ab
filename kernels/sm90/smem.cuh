#pragma once
// Shared-memory plan of one CTA: barrier addresses and tile addresses (32-bit shared-window addresses),
// derived from the config. The base is aligned to 1 KB so every 128-byte-swizzle atom is aligned.
//
// Barriers (arrivals per phase):
//   q_full[b]    1 (producer, + Q bytes)           q_empty[b] CONSUMERS (one per warpgroup, after its O store)
//   k_full[s]    1 (producer, + K bytes)           k_empty[s] 4*CONSUMERS*CLUSTER_M (lane 0 of every consumer warp
//   v_full[s]    1 (producer, + V bytes)           v_empty[s] 4*CONSUMERS*CLUSTER_M  of every CTA of the cluster)
// With a 2-CTA cluster the K/V bytes of a full barrier come half from this CTA's producer and half from the
// peer's (multicast loads); the empty barriers count the consumer warps of both CTAs (EmptyBarrier::release).
// The last 8 bytes of the barrier region: the tile index of each Q buffer's tile (dynamic scheduling; written by the
// producer before it arms q_full, read by the consumers after q_full completes).
#include "common/cluster.cuh"
#include "common/cp_async.cuh"
#include "common/mbarrier.cuh"
#include "common/st_shared.cuh"

namespace attnlab::sm90 {

// A K/V stage's empty barrier (converts to its address for init and the producer's wait). The stage may be
// refilled once the consumers of every CTA its loads write have released it: with a cluster the loads are
// multicast, so a release arrives on this CTA's barrier and on the peer's barrier at the same offset.
template <int kClusterM>
struct EmptyBarrier {
  u32 addr;
  __device__ __forceinline__ operator u32() const { return addr; }
  __device__ __forceinline__ void release() const {
    mbar_arrive(addr);
    if constexpr (kClusterM > 1) {
      const u32 rank = cluster_ctarank();
#pragma unroll
      for (u32 r = 1; r < u32(kClusterM); ++r) mbar_arrive_cluster(cluster_map_shared(addr, (rank + r) % kClusterM));
    }
  }
};

template <class Cfg>
struct SmemPlan {
  u32 base;  // 1 KB aligned

  __device__ __forceinline__ explicit SmemPlan(const void* dyn_smem) : base((smem_u32(dyn_smem) + 1023u) & ~1023u) {}

  static constexpr u32 kRing = 16 * Cfg::kQBuffers;  // K/V barriers follow the Q buffers' pairs
  __device__ __forceinline__ u32 q_full(int b) const { return base + 16 * b; }
  __device__ __forceinline__ u32 q_empty(int b) const { return base + 16 * b + 8; }
  __device__ __forceinline__ u32 k_full(int s) const { return base + kRing + 8 * s; }
  __device__ __forceinline__ EmptyBarrier<Cfg::kClusterM> k_empty(int s) const {
    return {base + kRing + 8 * (Cfg::kStages + s)};
  }
  __device__ __forceinline__ u32 v_full(int s) const { return base + kRing + 8 * (2 * Cfg::kStages + s); }
  __device__ __forceinline__ EmptyBarrier<Cfg::kClusterM> v_empty(int s) const {
    return {base + kRing + 8 * (3 * Cfg::kStages + s)};
  }
  __device__ __forceinline__ u32 tile_slot(int b) const { return base + Cfg::kBarrierBytes - 8 + 4 * b; }

  __device__ __forceinline__ u32 q(int b) const { return base + Cfg::kBarrierBytes + b * Cfg::kQBytes; }
  __device__ __forceinline__ u32 k(int s) const { return q(Cfg::kQBuffers) + s * Cfg::kKVBytes; }
  __device__ __forceinline__ u32 v(int s) const { return k(Cfg::kStages) + s * Cfg::kKVBytes; }

  // One thread, before any other use (followed by a CTA barrier; with a cluster, a cluster barrier: the
  // peer's multicast loads and releases use these barriers too).
  __device__ __forceinline__ void init_barriers() const {
#pragma unroll
    for (int b = 0; b < Cfg::kQBuffers; ++b) {
      mbar_init(q_full(b), 1);
      mbar_init(q_empty(b), Cfg::kConsumers);
    }
#pragma unroll
    for (int s = 0; s < Cfg::kStages; ++s) {
      mbar_init(k_full(s), 1);
      mbar_init(v_full(s), 1);
      mbar_init(k_empty(s), 4 * Cfg::kConsumers * Cfg::kClusterM);
      mbar_init(v_empty(s), 4 * Cfg::kConsumers * Cfg::kClusterM);
    }
    mbar_fence_init();
  }
};

// The Q buffer of the CTA's n-th tile and the parity of its use (tiles take the buffers in turn).
template <class Cfg>
struct QSlot {
  int buffer;
  u32 phase;
  __device__ __forceinline__ explicit QSlot(int tile_iter)
      : buffer(tile_iter % Cfg::kQBuffers), phase(u32(tile_iter / Cfg::kQBuffers) & 1u) {}
};

// Position in the K/V ring: stage and the parity of the ring pass (flips every STAGES iterations).
template <int kStages>
struct RingState {
  int stage = 0;
  u32 phase = 0;
  __device__ __forceinline__ void advance() {
    if (++stage == kStages) {
      stage = 0;
      phase ^= 1u;
    }
  }
};

}  // namespace attnlab::sm90
