#pragma once
// A workload (docs/campaign.md, schema attnlab.workload/1): a model's attention shapes as a JSON file — a model
// description (heads, KV heads, head dim) crossed with prefill lengths (batch = tokens / S), optional decode
// lengths (Sq = 1), masks and dtypes — and/or explicit shapes. Expanded into probe groups: the problems of one
// dispatch key (dtype, head dim, mask, heads, KV heads, prefill or decode), ordered by length, which the campaign
// measures and cuts into buckets.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/problem.hpp"

namespace attnlab {

struct ProbeGroup {
  std::string name;     // "bf16 d128 causal H32:8 prefill"
  bool decode = false;  // Sq = 1; the length that varies is Sk
  std::vector<AttnProblem> problems;  // ascending by the varying length, distinct
  int64_t length_of(const AttnProblem& p) const { return decode ? p.seqlen_k : p.seqlen_q; }
};

struct Workload {
  std::string name;
  std::vector<ProbeGroup> groups;
  size_t problems() const;
};

// UserError "<where>: <field>: <reason>" (one line) on anything malformed: unknown fields, wrong types, a head
// dim the kernels do not support, KV heads that do not divide heads, hidden != heads x head dim, lengths out
// of range, tokens smaller than a length is fine (batch 1).
Workload workload_from_json(const nlohmann::json& j, const std::string& where);
Workload read_workload_file(const std::string& path);

}  // namespace attnlab
