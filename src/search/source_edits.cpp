#include "search/source_edits.hpp"

#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "runtime/embedded_kernels.hpp"

namespace attnlab {

std::string apply_source_edits(const std::string& base, const std::string& edits) {
  std::string header, prelude, result = base;
  std::vector<std::pair<std::string, std::string>> replacements;
  enum class Block { none, prelude, find, with } block = Block::none;
  std::string find, with;
  std::istringstream in(edits);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("//@@ ", 0) == 0) {
      const std::string tag = line.substr(5);
      if (tag == "prelude") block = Block::prelude;
      else if (tag == "replace") block = Block::find, find.clear();
      else if (tag == "with" && block == Block::find) block = Block::with, with.clear();
      else if (tag == "end" && block == Block::with) replacements.emplace_back(find, with), block = Block::none;
      else if (tag == "end" && block == Block::prelude) block = Block::none;
      else throw UserError(fmt::format("source edits: unexpected '{}'", line));
      continue;
    }
    std::string& target = block == Block::prelude ? prelude : block == Block::find ? find : block == Block::with ? with : header;
    target += line + "\n";
  }
  if (block != Block::none) throw UserError("source edits: a block is not closed by //@@ end");
  for (size_t i = 0; i < replacements.size(); ++i) {
    const auto& [from, to] = replacements[i];
    const size_t at = result.find(from);
    if (from.empty() || at == std::string::npos || result.find(from, at + 1) != std::string::npos)
      throw UserError(fmt::format("source edits: replacement #{} does not match the kernel exactly once:\n{}", i + 1, from));
    result.replace(at, from.size(), to);
  }
  if (!prelude.empty()) {
    const std::string ns = "namespace attnlab::sm80 {\n";
    const size_t at = result.find(ns);
    if (at == std::string::npos) throw UserError("source edits: no 'namespace attnlab::sm80 {' for the prelude");
    result.insert(at + ns.size(), prelude);
  }
  return header + result;
}

std::string builtin_kernel_with_edits(const std::string& edits) {
  for (const auto& f : embedded_kernel_headers())
    if (f.path == "sm80/flash_fwd_kernel.cuh") return apply_source_edits(f.text, edits);
  throw std::logic_error("sm80/flash_fwd_kernel.cuh is not embedded");
}

}  // namespace attnlab
