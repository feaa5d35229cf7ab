#include "check/cpu_reference.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

namespace attnlab {

HostAttnOutput cpu_reference(const AttnProblem& p, const std::vector<float>& q, const std::vector<float>& k,
                             const std::vector<float>& v) {
  p.validate_or_throw();
  const int d = p.head_dim, H = p.heads, Hk = p.heads_k, group = H / Hk;
  const double scale = p.scale();
  const long long off = (long long)p.seqlen_k - p.seqlen_q;
  HostAttnOutput out;
  out.o.assign(p.q_elems(), 0.f);
  out.lse.assign(p.lse_elems(), 0.f);
  const long long rows = (long long)p.batch * H * p.seqlen_q;
  std::atomic<long long> next{0};
  auto worker = [&] {
    std::vector<double> s(p.seqlen_k), acc(d);
    for (long long r; (r = next.fetch_add(1)) < rows;) {
      const int i = int(r % p.seqlen_q), h = int((r / p.seqlen_q) % H), b = int(r / ((long long)p.seqlen_q * H));
      const int hk = h / group;
      const float* qi = &q[(((long long)b * p.seqlen_q + i) * H + h) * d];
      const long long visible = p.causal ? std::clamp<long long>(i + off + 1, 0, p.seqlen_k) : p.seqlen_k;
      double mx = -std::numeric_limits<double>::infinity();
      for (long long j = 0; j < visible; ++j) {
        const float* kj = &k[(((long long)b * p.seqlen_k + j) * Hk + hk) * d];
        double dot = 0;
        for (int c = 0; c < d; ++c) dot += double(qi[c]) * kj[c];
        s[j] = dot * scale;
        mx = std::max(mx, s[j]);
      }
      double sum = 0;
      std::fill(acc.begin(), acc.end(), 0.0);
      for (long long j = 0; j < visible; ++j) {
        const double e = std::exp(s[j] - mx);
        sum += e;
        const float* vj = &v[(((long long)b * p.seqlen_k + j) * Hk + hk) * d];
        for (int c = 0; c < d; ++c) acc[c] += e * vj[c];
      }
      float* oi = &out.o[(((long long)b * p.seqlen_q + i) * H + h) * d];
      for (int c = 0; c < d; ++c) oi[c] = visible ? float(acc[c] / sum) : 0.f;
      out.lse[((long long)b * H + h) * p.seqlen_q + i] =
          visible ? float(mx + std::log(sum)) : std::numeric_limits<float>::infinity();
    }
  };
  const unsigned n = std::max(1u, std::min(std::thread::hardware_concurrency(), 64u));
  std::vector<std::thread> pool;
  for (unsigned t = 0; t + 1 < n; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return out;
}

}  // namespace attnlab
