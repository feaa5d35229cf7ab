#include "profile/sass.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/process.hpp"
#include "profile/tools.hpp"
#include "runtime/hash.hpp"

namespace fs = std::filesystem;

namespace attnlab::profile {

const std::vector<MixCategory>& mix_categories() {
  static const std::vector<MixCategory> k = {
      {"HMMA", "HMMA", "warp-level tensor-core MMA (mma.sync)"},
      {"HGMMA", "HGMMA", "warpgroup tensor-core MMA (wgmma, sm_90)"},
      {"LDGSTS", "LDGSTS", "global->shared async copy (cp.async)"},
      {"UTMALDG", "UTMALDG", "TMA load global->shared"},
      {"UTMASTG", "UTMASTG", "TMA store shared->global"},
      {"LDSM", "LDSM", "ldmatrix (shared->registers, MMA fragments)"},
      {"LDS", "LDS", "shared-memory load"},
      {"STS", "STS", "shared-memory store"},
      {"LDG", "LDG", "global load"},
      {"STG", "STG", "global store"},
      {"LDL", "LDL", "local-memory load (spill or stack array)"},
      {"STL", "STL", "local-memory store (spill or stack array)"},
      {"BAR", "BAR", "block barrier (__syncthreads, named barriers)"},
      {"MUFU.EX2", "MUFU.EX2", "exp2 on the special-function unit (softmax)"},
      {"SYNCS", "SYNCS", "mbarrier operations (sm_90 arrive / wait)"},
      {"WARPGROUP", "WARPGROUP", "wgmma fences (warpgroup.arrive / wait)"},
  };
  return k;
}

int InstructionMix::count(const std::string& category) const {
  auto it = by_category.find(category);
  if (it != by_category.end()) return it->second;
  auto jt = by_opcode.find(category);
  return jt == by_opcode.end() ? 0 : jt->second;
}

std::vector<std::string> instruction_lines(const std::string& sass) {
  // "/*0a40*/" address, then the instruction up to and including ';'. Encodings are "/* 0x... */".
  static const std::regex re(R"(/\*[0-9a-fA-F]{4,}\*/\s+([^;]*;))");
  std::vector<std::string> lines;
  for (auto it = std::sregex_iterator(sass.begin(), sass.end(), re); it != std::sregex_iterator(); ++it) {
    std::string s;
    bool space = false;
    for (char c : (*it)[1].str()) {
      if (c == ' ' || c == '\t') {
        space = !s.empty();
        continue;
      }
      if (space) s += ' ';
      space = false;
      s += c;
    }
    lines.push_back(std::move(s));
  }
  return lines;
}

InstructionMix count_instructions(const std::string& sass) {
  InstructionMix mix;
  for (const auto& c : mix_categories()) mix.by_category[c.name] = 0;
  for (const auto& line : instruction_lines(sass)) {
    size_t start = 0;
    if (!line.empty() && line[0] == '@') start = line.find(' ') + 1;  // predicate "@!P0 "
    const size_t end = line.find_first_of(" ;", start);
    const std::string opcode = line.substr(start, end - start);
    ++mix.total;
    ++mix.by_opcode[opcode.substr(0, opcode.find('.'))];
    for (const auto& c : mix_categories()) {
      const size_t n = std::char_traits<char>::length(c.prefix);
      if (opcode.compare(0, n, c.prefix) == 0 && (opcode.size() == n || opcode[n] == '.')) ++mix.by_category[c.name];
    }
  }
  return mix;
}

std::string normalized_sass_hash(const std::string& sass) {
  ContentHash h;
  for (const auto& line : instruction_lines(sass)) h.add(line);
  return h.hex();
}

std::string find_disassembler() { return find_tool("nvdisasm", "NVDISASM_PATH", cuda_tool_dirs()); }

std::string disassemble(const std::string& cubin) {
  const std::string tool = find_disassembler();
  if (tool.empty())
    throw UserError(
        "nvdisasm not found: install the CUDA toolkit's nvdisasm or the pip wheel nvidia-cuda-nvdisasm "
        "(scripts/install-deps.sh), or set NVDISASM_PATH to its folder");
  // An unpredictable name created with O_EXCL: a link planted in /tmp is never written through.
  std::string tmpl = (fs::temp_directory_path() / "attnlab-XXXXXX.cubin").string();
  const int fd = ::mkostemps(tmpl.data(), 6, O_CLOEXEC);
  if (fd < 0) throw UserError(fmt::format("cannot create a temporary file in {}", fs::temp_directory_path().string()));
  const fs::path tmp = tmpl;
  bool ok = true;
  for (size_t done = 0; ok && done < cubin.size();) {
    const ssize_t n = ::write(fd, cubin.data() + done, cubin.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    done += ok ? size_t(n) : 0;
  }
  ok = ::close(fd) == 0 && ok;
  std::error_code ec;
  if (!ok) {
    fs::remove(tmp, ec);
    throw UserError(fmt::format("cannot write {}", tmp.string()));
  }
  ProcessOptions po;
  po.timeout_s = 300;
  const ProcessResult r = run_process({tool, "--print-code", tmp.string()}, po);
  fs::remove(tmp, ec);
  if (r.exit_code != 0)
    throw UserError(fmt::format("{} failed (exit {}): {}", tool, r.exit_code, r.err.substr(0, r.err.find('\n'))));
  return r.out;
}

}  // namespace attnlab::profile
