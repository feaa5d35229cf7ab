#pragma once
// The compile-time tile configuration of the sm80 FlashAttention forward kernel and everything derived
// from it. Host code turns a runtime TileConfig into exactly one instantiation of this template
// (src/backends/custom/tile_config.cpp); every knob here changes the generated code.
#include "common/types.cuh"

namespace attnlab::sm80 {

template <bool BF16, int HEAD_DIM, int BLOCK_M, int BLOCK_N, int NUM_WARPS, int STAGES, bool SWIZZLE,
          bool Q_IN_REGS>
struct FlashConfig {
  static constexpr bool kBF16 = BF16;
  static constexpr int kHeadDim = HEAD_DIM;
  static constexpr int kBlockM = BLOCK_M;   // query rows per CTA
  static constexpr int kBlockN = BLOCK_N;   // keys per mainloop iteration
  static constexpr int kWarps = NUM_WARPS;  // warps split the query rows (FA2 style)
  static constexpr int kThreads = NUM_WARPS * 32;
  static constexpr int kStages = STAGES;    // K/V tiles in shared memory (STAGES-1 in flight ahead)
  static constexpr bool kSwizzle = SWIZZLE; // XOR-swizzled rows; else rows padded by 16 bytes
  static constexpr bool kQInRegs = Q_IN_REGS;  // Q fragments loaded once into registers

  static constexpr int kWarpM = BLOCK_M / NUM_WARPS;  // query rows per warp
  static constexpr int kMTiles = kWarpM / 16;         // m16 tiles per warp
  static constexpr int kNTiles = BLOCK_N / 8;         // n8 tiles of S per warp row-tile
  static constexpr int kDTiles = HEAD_DIM / 8;        // n8 tiles of O
  static constexpr int kRowElems = SWIZZLE ? HEAD_DIM : HEAD_DIM + 8;  // smem row pitch (elements)
  static constexpr int kSmemQ = BLOCK_M * kRowElems;
  static constexpr int kSmemKV = BLOCK_N * kRowElems;  // one stage of K (or V)
  static constexpr int kSmemBytes = 2 * (kSmemQ + 2 * STAGES * kSmemKV);

  static_assert(HEAD_DIM == 64 || HEAD_DIM == 128 || HEAD_DIM == 256, "head dim");
  static_assert(BLOCK_M % (16 * NUM_WARPS) == 0, "each warp owns a multiple of 16 query rows");
  static_assert(kMTiles >= 1 && kMTiles <= 2, "1..2 m16 tiles per warp (more does not fit in registers)");
  static_assert(BLOCK_N % 16 == 0 && BLOCK_N >= 16 && BLOCK_N <= 256, "BLOCK_N a multiple of 16 in [16, 256]");
  static_assert(STAGES >= 2 && STAGES <= 4, "2..4 stages");
  static_assert((BLOCK_N * HEAD_DIM / 8) % kThreads == 0, "K/V tile loads split evenly over threads");
  static_assert((BLOCK_M * HEAD_DIM / 8) % kThreads == 0, "Q tile loads split evenly over threads");
};

}  // namespace attnlab::sm80
