#pragma once
// Arguments of the unfused path's row softmax. Plain data, included by the NVRTC kernel and by host code
// (src/backends/unfused/), so both sides agree on the layout by construction.
//
// Row r = (b * heads + h) * seqlen_q + i of the score matrix S (fp32, ld_s floats per row, already scaled
// by the softmax scale) becomes row r of P (input dtype, ld_p elements per row) and LSE[r]: LSE is
// (batch, heads, seqlen_q), exactly the row order. ld_s % 4 == 0 and ld_p % 8 == 0 (16-byte rows), both
// >= seqlen_k; the padding columns of S are never read as scores, those of P are written with zeros.
struct UnfusedSoftmaxParams {
  const float* s;
  void* p;
  float* lse;
  long long rows;  // batch * heads * seqlen_q
  int seqlen_q, seqlen_k;
  int ld_s, ld_p;
  int causal;  // bottom-right aligned: key j visible to query i iff j <= i + seqlen_k - seqlen_q
};
