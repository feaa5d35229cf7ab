#include "backends/custom/flash_params.hpp"

#include <cmath>

namespace attnlab {

FlashFwdParams make_flash_params(const AttnProblem& p, const AttnTensors& t) {
  FlashFwdParams f{};
  f.q = t.q;
  f.k = t.k;
  f.v = t.v;
  f.o = t.o;
  f.lse = t.lse;
  const int d = p.head_dim;
  f.q_row_stride = f.o_row_stride = p.heads * d;
  f.k_row_stride = f.v_row_stride = p.heads_k * d;
  f.q_head_stride = f.o_head_stride = f.k_head_stride = f.v_head_stride = d;
  f.q_batch_stride = f.o_batch_stride = (long long)p.seqlen_q * p.heads * d;
  f.k_batch_stride = f.v_batch_stride = (long long)p.seqlen_k * p.heads_k * d;
  f.seqlen_q = p.seqlen_q;
  f.seqlen_k = p.seqlen_k;
  f.heads = p.heads;
  f.heads_per_kv = p.heads / p.heads_k;
  f.scale = p.scale();
  f.scale_log2 = float(double(p.scale()) * M_LOG2E);
  f.causal = p.causal ? 1 : 0;
  return f;
}

}  // namespace attnlab
