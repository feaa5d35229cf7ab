#pragma once
// Reading a proposer's source candidate (docs/proposer-protocol.md): a regular file of bounded size.
// `#include "file"` lines naming a file of the candidate's own folder (a relative path without '..',
// resolving inside the folder, no symlink) are replaced by that file's text, once per file, so the
// result needs nothing but the embedded headers; compile() then refuses any other include
// (runtime/include_policy.hpp). The returned text is what is compiled and hashed.
#include <string>

namespace attnlab {

inline constexpr size_t kMaxSourceCandidateBytes = size_t(4) << 20;

// UserError naming the file when it is missing, not a regular file, too large, or one of its local
// includes is (an include that is neither local nor embedded is left for compile() to refuse).
std::string read_source_file(const std::string& path);

}  // namespace attnlab
