// The layers of src/ (cmake/layers.cmake, written by CMake to the build folder as layers.txt): every source
// file belongs to exactly one layer, and every #include "x/y" of a file of src/ names a header of its own
// layer or of one below it (the transitive closure of its dependencies) — kernel headers (kernels/) are
// open to all, third-party headers are not ours to check. CMake links the layers' libraries along the same
// table, so what this test allows is what links.
#include <fnmatch.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace {
namespace fs = std::filesystem;
const fs::path kSrc = fs::path(ATTNLAB_SOURCE_DIR) / "src";
const fs::path kKernels = fs::path(ATTNLAB_SOURCE_DIR) / "kernels";

struct Layers {
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> deps;
  std::vector<std::pair<std::string, std::string>> globs;  // (layer, glob) in order
  std::string layer_of(const std::string& rel) const {
    for (auto& [l, g] : globs)
      if (fnmatch(g.c_str(), rel.c_str(), FNM_PATHNAME) == 0) return l;
    return "";
  }
  std::set<std::string> allowed(const std::string& l) const {
    std::set<std::string> out{l};
    std::vector<std::string> todo{l};
    while (!todo.empty()) {
      const std::string x = todo.back();
      todo.pop_back();
      for (auto& d : deps.at(x))
        if (out.insert(d).second) todo.push_back(d);
    }
    return out;
  }
};

Layers read_layers() {
  Layers L;
  std::ifstream in(ATTNLAB_LAYERS_FILE);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string kind, layer, x;
    ss >> kind >> layer;
    if (kind == "layer") {
      L.order.push_back(layer);
      auto& d = L.deps[layer];
      while (ss >> x) d.push_back(x);
    } else if (kind == "glob") {
      ss >> x;
      L.globs.emplace_back(layer, x);
    }
  }
  return L;
}
}  // namespace

TEST(Layers, TableIsReadAndEveryDependencyIsALowerLayer) {
  const Layers L = read_layers();
  ASSERT_GE(L.order.size(), 10u) << "layers.txt at " << ATTNLAB_LAYERS_FILE;
  for (size_t i = 0; i < L.order.size(); ++i)
    for (auto& d : L.deps.at(L.order[i])) {
      auto at = std::find(L.order.begin(), L.order.end(), d);
      ASSERT_NE(at, L.order.end()) << d;
      EXPECT_LT(at - L.order.begin(), long(i)) << L.order[i] << " depends on " << d << ", listed above it";
    }
  // The packaging target's promise: runtime, launch and families need no compiler, cuDNN or SQLite.
  for (const char* l : {"runtime", "launch", "families"})
    for (const char* banned : {"nvrtc", "backends", "store"}) EXPECT_FALSE(L.allowed(l).count(banned)) << l << " -> " << banned;
  EXPECT_FALSE(L.allowed("report").count("runtime")) << "the report stays host-only";
}

TEST(Layers, EveryIncludePointsDownwards) {
  const Layers L = read_layers();
  static const std::regex include(R"re(^[ \t]*#[ \t]*include[ \t]*"([^"]+)")re");
  std::vector<std::string> violations, unassigned;
  size_t files = 0, checked = 0;
  for (auto& e : fs::recursive_directory_iterator(kSrc)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (ext != ".cpp" && ext != ".hpp" && ext != ".h" && ext != ".cu" && ext != ".cuh") continue;  // e.g. the export's Python
    const std::string rel = fs::relative(e.path(), kSrc).generic_string();
    const std::string layer = L.layer_of(rel);
    if (layer.empty()) {
      unassigned.push_back(rel);
      continue;
    }
    ++files;
    const auto allowed = L.allowed(layer);
    std::ifstream in(e.path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      std::smatch m;
      if (!std::regex_search(line, m, include)) continue;
      const std::string inc = m[1];
      if (!fs::exists(kSrc / inc)) continue;  // a kernel header (kernels/), a third-party one, a generated one
      if (fs::exists(kKernels / inc) && !fs::exists(kSrc / inc)) continue;
      ++checked;
      const std::string target = L.layer_of(inc);
      if (target.empty() || !allowed.count(target))
        violations.push_back(rel + ":" + std::to_string(n) + ": " + layer + " -> " + (target.empty() ? "?" : target) +
                             " (" + inc + ")");
    }
  }
  EXPECT_GT(files, 150u);
  EXPECT_GT(checked, 500u);
  std::string v;
  for (auto& x : violations) v += x + "\n";
  EXPECT_TRUE(violations.empty()) << v;
  std::string u;
  for (auto& x : unassigned) u += x + "\n";
  EXPECT_TRUE(unassigned.empty()) << "files in no layer:\n" << u;
}
