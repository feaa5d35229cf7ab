#include "search/source_edits.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "runtime/embedded_kernels.hpp"

namespace attnlab {

std::string builtin_kernel_with_edits(const std::string& edits, const std::string& path) {
  if (!is_edits_document(edits)) {  // no edits at all (e.g. the empty string): the built-in file itself
    for (const auto& h : embedded_kernel_headers())
      if (h.path == path) return apply_source_edits(h.text, edits, path);
    throw UserError(fmt::format("source edits: {} is not an embedded kernel file", path));
  }
  const auto files = apply_kernel_edits(edits);
  for (const auto& f : files)
    if (f.path == path) return f.text;
  throw UserError(fmt::format("source edits: they do not patch {} (they patch {})", path, files.front().path));
}

}  // namespace attnlab

namespace attnlab {

std::vector<EmbeddedFile> checked_source_files(const std::string& text, const FamilySpec& family) {
  std::vector<EmbeddedFile> files =
      is_edits_document(text) ? apply_kernel_edits(text) : std::vector<EmbeddedFile>{{family.kernel_header, text}};
  check_patch_family(files, family.name);
  if (auto why = patch_include_violation(files); !why.empty()) throw UserError(why);
  return files;
}

}  // namespace attnlab
