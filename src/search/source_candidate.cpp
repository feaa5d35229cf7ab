#include "search/source_candidate.hpp"

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "io/regular_file.hpp"
#include "runtime/embedded_kernels.hpp"
#include "runtime/include_policy.hpp"

namespace fs = std::filesystem;

namespace attnlab {

namespace {

std::string read_regular(const fs::path& p, size_t budget) {
  std::string why;
  auto text = read_regular_file(p.string(), budget, &why);
  if (!text) throw UserError(fmt::format("{}: cannot use as source candidate ({})", p.string(), why));
  return std::move(*text);
}

bool is_embedded(const std::string& path) {
  for (auto& h : embedded_kernel_headers())
    if (h.path == path) return true;
  return false;
}

struct Inliner {
  fs::path root;  // the candidate's folder, canonical
  std::set<fs::path> seen;
  size_t budget = kMaxSourceCandidateBytes;

  std::string expand(const fs::path& file, int depth) {
    std::string text = read_regular(file, budget);
    budget -= std::min(budget, text.size());
    static const std::regex local(R"re(^[ \t]*#[ \t]*include[ \t]*"([^"]+)"[ \t]*(//.*)?\r?$)re");
    std::istringstream in(text);
    std::string out, line;
    while (std::getline(in, line)) {
      std::smatch m;
      const std::string path = std::regex_match(line, m, local) ? m[1].str() : "";
      if (path.empty() || is_embedded(path) || !include_path_problem(path).empty()) {
        out += line + "\n";  // anything else is judged by the include policy at compile time
        continue;
      }
      std::error_code ec;
      const fs::path target = fs::weakly_canonical(file.parent_path() / path, ec);
      const auto rel = target.lexically_relative(root);
      if (ec || rel.empty() || rel.begin()->string() == "..") {
        out += line + "\n";
        continue;
      }
      if (depth > 16) throw UserError(fmt::format("{}: includes nested deeper than 16", file.string()));
      out += "// attnlab: inlined " + path + "\n";
      if (seen.insert(target).second) out += expand(target, depth + 1) + "\n";
    }
    return out;
  }
};

}  // namespace

std::string read_source_file(const std::string& path) {
  std::error_code ec;
  const fs::path file = fs::absolute(path, ec);
  Inliner in;
  in.root = fs::weakly_canonical(file.parent_path(), ec);
  in.seen.insert(fs::weakly_canonical(file, ec));
  const std::string text = read_regular(file, in.budget);
  // Only a candidate that includes a local file changes: the common one comes back byte for byte.
  bool has_local = false;
  for (const auto& d : scan_includes(text)) has_local |= d.problem.empty() && !is_embedded(d.path);
  return has_local ? in.expand(file, 0) : text;
}

}  // namespace attnlab
