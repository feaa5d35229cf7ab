#pragma once
// The compile-time configuration of the sm90 (Hopper) FlashAttention forward kernel and everything
// derived from it. Host code turns a runtime TileConfig of family sm90 into exactly one instantiation
// (src/backends/custom/family_sm90.cpp); every knob here changes the generated code.
#include "common/types.cuh"

namespace attnlab::sm90 {

template <bool BF16, int HEAD_DIM, int CONSUMERS, int BLOCK_N, int STAGES, bool PINGPONG, bool OVERLAP,
          bool PERSISTENT, int CLUSTER_M>
struct FlashConfig {
  static constexpr bool kBF16 = BF16;
  static constexpr int kHeadDim = HEAD_DIM;
  static constexpr int kConsumers = CONSUMERS;      // consumer warpgroups, 64 query rows each
  static constexpr int kBlockM = 64 * CONSUMERS;    // query rows per tile
  static constexpr int kBlockN = BLOCK_N;           // keys per mainloop iteration
  static constexpr int kStages = STAGES;            // K/V ring depth in shared memory
  static constexpr bool kPingPong = PINGPONG;       // consumer warpgroups take turns issuing their GEMMs
  static constexpr bool kOverlap = OVERLAP;         // softmax of block j overlaps the P*V GEMM of block j-1
  static constexpr bool kPersistent = PERSISTENT;   // grid = resident CTAs, each loops over tiles
  // CTAs per thread-block cluster along the query tiles (1: no cluster). With 2, the CTAs of a cluster take
  // adjacent m-blocks of one (head, batch), walk the same key blocks, and each loads kKVRowsPerCta rows of every
  // K/V block, multicast to both (sm90/producer.cuh); a stage is refilled once both CTAs' consumers released it.
  static constexpr int kClusterM = CLUSTER_M;
  static constexpr int kKVRowsPerCta = BLOCK_N / CLUSTER_M;
  // Q buffers: a persistent CTA loads the next tile's Q while the current tile still runs (and its O, staged
  // in its own Q buffer, is being stored); one tile per CTA needs one.
  static constexpr int kQBuffers = PERSISTENT ? 2 : 1;
  static constexpr int kThreads = 128 * (CONSUMERS + 1);  // warpgroup 0 is the TMA producer

  // Fragment counts of one consumer thread (what common/online_softmax.cuh and common/mask.cuh expect).
  static constexpr int kMTiles = 1;
  static constexpr int kNTiles = BLOCK_N / 8;
  static constexpr int kDTiles = HEAD_DIM / 8;

  // Shared memory: [1 KB barriers][Q x kQBuffers][K x STAGES][V x STAGES] after aligning the base to 1 KB. Each tile
  // is HEAD_DIM/64 slabs of (rows x 64 elements) in the 128-byte-swizzled layout TMA writes and wgmma reads.
  static constexpr int kSlabs = HEAD_DIM / 64;
  static constexpr int kSlabBytesQ = kBlockM * 128;
  static constexpr int kSlabBytesKV = BLOCK_N * 128;
  static constexpr int kQBytes = kSlabs * kSlabBytesQ;
  static constexpr int kKVBytes = kSlabs * kSlabBytesKV;
  static constexpr int kBarrierBytes = 1024;
  static constexpr int kSmemBytes = 1024 /*alignment slack*/ + kBarrierBytes + kQBuffers * kQBytes + 2 * STAGES * kKVBytes;

  // Registers per thread after setmaxnreg (0: no reallocation; one consumer already has 255).
  // The CTA launches with the per-thread count ptxas allocates for kThreads (65536 / kThreads, rounded down to 8: 168
  // for 384 threads, 128 for 512); setmaxnreg only moves registers between warpgroups inside that allocation, and an
  // increase the pool cannot serve blocks forever (a hang, not an error: 32 + 2 x 240 > 3 x 168 did). The producer
  // needs more than 24 since it takes tile tickets (24 spilled 80 bytes).
  static constexpr int kLaunchRegs = (65536 / kThreads) / 8 * 8 < 255 ? (65536 / kThreads) / 8 * 8 : 255;
  static constexpr int kProducerRegs = CONSUMERS == 1 ? 0 : CONSUMERS == 2 ? 40 : 32;
  static constexpr int kConsumerRegs = CONSUMERS == 1 ? 0 : CONSUMERS == 2 ? 232 : 160;

  static_assert(HEAD_DIM == 64 || HEAD_DIM == 128 || HEAD_DIM == 256, "head dim");
  static_assert(CONSUMERS >= 1 && CONSUMERS <= 3, "1..3 consumer warpgroups");
  static_assert(BLOCK_N % 16 == 0 && BLOCK_N >= 16 && BLOCK_N <= 256, "wgmma N and the TMA box: 16..256, step 16");
  static_assert(STAGES >= 2 && STAGES <= 4, "2..4 stages");
  static_assert(!PINGPONG || CONSUMERS >= 2, "ping-pong needs two consumer warpgroups");
  static_assert(kSmemBytes <= 232448, "227 KB of shared memory per block");
  static_assert(CONSUMERS == 1 || kProducerRegs + CONSUMERS * kConsumerRegs <= (CONSUMERS + 1) * kLaunchRegs,
                "setmaxnreg: the warpgroups' counts must fit the CTA's launch allocation");
  static_assert(kProducerRegs % 8 == 0 && kConsumerRegs % 8 == 0, "setmaxnreg takes multiples of 8");
  static_assert(2 * kQBuffers + 4 * STAGES + 1 <= kBarrierBytes / 8, "barriers and tile slots fit their region");
  static_assert(CLUSTER_M == 1 || CLUSTER_M == 2, "clusters of 1 or 2 CTAs");
  static_assert(CLUSTER_M == 1 || !PERSISTENT, "clusters with the grid scheduler only (pairs of adjacent m-blocks)");
  // A CTA's share of a K/V slab starts kKVRowsPerCta * 128 bytes in: whole 8-row (1 KB) swizzle atoms.
  static_assert(kKVRowsPerCta % 8 == 0, "a CTA's share of a K/V block: whole 128-byte-swizzle atoms");
};

}  // namespace attnlab::sm90
