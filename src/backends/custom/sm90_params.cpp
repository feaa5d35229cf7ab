#include "backends/custom/sm90_params.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "runtime/driver_api.hpp"

namespace attnlab {

namespace {
// A (dim, seq, heads, batch) tensor of 16-bit elements, read or written in boxes of 64 x rows with the
// 128-byte swizzle the kernel's shared-memory layout expects (kernels/sm90/smem.cuh).
TmaDescriptor encode(const void* base, DType dtype, int64_t dim, int64_t seq, int64_t heads, int64_t batch, int box_rows,
                     const char* what) {
  if (reinterpret_cast<uintptr_t>(base) % 16 != 0)
    throw UserError(fmt::format("the sm90 kernel needs 16-byte aligned tensors ({} is at {})", what, base));
  const cuuint64_t dims[4] = {cuuint64_t(dim), cuuint64_t(seq), cuuint64_t(heads), cuuint64_t(batch)};
  const cuuint64_t strides[3] = {cuuint64_t(heads * dim * 2), cuuint64_t(dim * 2), cuuint64_t(seq * heads * dim * 2)};
  const cuuint32_t box[4] = {64, cuuint32_t(box_rows), 1, 1};
  const cuuint32_t elem[4] = {1, 1, 1, 1};
  CUtensorMap map;
  driver::tensor_map_encode_tiled(&map, dtype == DType::bf16 ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 : CU_TENSOR_MAP_DATA_TYPE_FLOAT16,
                                  4, const_cast<void*>(base), dims, strides, box, elem, CU_TENSOR_MAP_SWIZZLE_128B);
  static_assert(sizeof(CUtensorMap) == sizeof(TmaDescriptor), "TmaDescriptor mirrors CUtensorMap");
  TmaDescriptor d;
  std::memcpy(&d, &map, sizeof d);
  return d;
}
}  // namespace

int causal_group_heads(const AttnProblem& p) {
  // K and V of one (batch, head) pair. Persistent causal tiles are handed out dynamically in group order (longest
  // first within a group of heads), so the group trades balance (more tiles to sort) against L2 reuse (all tiles
  // of a head while its K/V is resident). Measured on the H100 (evidence/h100/dynsched, d=128 causal): short rows
  // are DRAM-bound and want small groups (S=512: 8 MB groups 308 TFLOP/s, DRAM reads at the 201 MB minimum; 25 MB
  // groups 285), longer rows want the balance (S=2048: 547 vs 524, S=16k: 685 vs 657).
  const double kv_bytes = 2.0 * p.seqlen_k * p.head_dim * 2;
  const double budget = p.seqlen_k <= 1024 ? 8e6 : 25e6;
  return int(std::clamp(budget / kv_bytes, 1.0, double(p.heads) * p.batch));
}

Sm90FwdParams make_sm90_params(const AttnProblem& p, const AttnTensors& t, const TileConfig& cfg) {
  Sm90FwdParams s{};
  s.base = make_flash_params(p, t);
  const int d = p.head_dim;
  s.tma_q = encode(t.q, p.dtype, d, p.seqlen_q, p.heads, p.batch, cfg.knob("block_m"), "Q");
  // With a cluster each CTA loads its share of a K/V block's rows (multicast to both): boxes of BLOCK_N / cluster rows.
  const int kv_rows = cfg.knob("block_n") / cfg.knob("cluster");
  s.tma_k = encode(t.k, p.dtype, d, p.seqlen_k, p.heads_k, p.batch, kv_rows, "K");
  s.tma_v = encode(t.v, p.dtype, d, p.seqlen_k, p.heads_k, p.batch, kv_rows, "V");
  s.tma_o = encode(t.o, p.dtype, d, p.seqlen_q, p.heads, p.batch, 64, "O");
  s.m_blocks = (p.seqlen_q + cfg.tile_rows() - 1) / cfg.tile_rows();
  const int64_t tiles = int64_t(s.m_blocks) * p.heads * p.batch;
  if (tiles > INT32_MAX) throw UserError(fmt::format("{} tiles exceed the sm90 scheduler's int range", tiles));
  s.total_tiles = int(tiles);
  s.group_heads = causal_group_heads(p);
  return s;
}

}  // namespace attnlab
