#include "cli/shape_options.hpp"

#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"

namespace attnlab::cli {

AttnProblem parse_shape(const std::string& text) {
  std::vector<int> v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    v.push_back(int(parse_int(item, fmt::format("--shape '{}'", text), 0, INT32_MAX)));
  }
  if (v.size() == 4) v.insert(v.begin() + 3, v[2]);  // B,H,S,d -> B,H,S,S,d
  if (v.size() != 5) throw UserError(fmt::format("--shape '{}': expected B,H,Sq,Sk,d or B,H,S,d", text));
  AttnProblem p;
  p.batch = v[0];
  p.heads = p.heads_k = v[1];
  p.seqlen_q = v[2];
  p.seqlen_k = v[3];
  p.head_dim = v[4];
  return p;
}

}  // namespace attnlab::cli
