#pragma once
// A proposer's source candidate as edits of the embedded kernel files (kernels/**), for any family. Format,
// line-based ("//@@ " directives at the start of a line):
//   //@@ file sm90/consumer.cuh   the blocks below patch this file (a path relative to kernels/, embedded)
//   //@@ whole sm90/softmax.cuh   the lines up to //@@ end are the complete new text of this file
//   //@@ prelude                  lines inserted after the file's first "namespace attnlab::<folder> {" line
//   //@@ replace                  lines to find (exactly once in the file) ...
//   //@@ with                     ... and what replaces them
//   //@@ end                      closes a prelude, a with-block or a whole file
// Blocks before any "//@@ file" patch sm80/flash_fwd_kernel.cuh (the original format; tests/adversarial/).
// In a document without "//@@ file" / "//@@ whole", lines outside blocks (the header comment) are kept at the
// top of that file; with them, a line outside blocks must be blank or a // comment.
// Which files a candidate may patch is its config's family's business: check_patch_family.
#include <string>
#include <vector>

#include "runtime/embedded_kernels.hpp"

namespace attnlab {

inline constexpr const char* kLegacyEditTarget = "sm80/flash_fwd_kernel.cuh";

// Whether `source` is written as edits (some line starts with "//@@ ") rather than as a full kernel shell.
bool is_edits_document(const std::string& source);
// `base` with the blocks of `edits` applied, `path` naming it in messages (no //@@ file / whole here).
std::string apply_source_edits(const std::string& base, const std::string& edits, const std::string& path = kLegacyEditTarget);
// Every embedded file `edits` patches, with the edits applied, in the order first named. One-line UserError
// naming the edits' line (and the file) when a directive is malformed, a file is not embedded, or a replaced
// text does not occur exactly once.
std::vector<EmbeddedFile> apply_kernel_edits(const std::string& edits);
// One-line UserError unless every patched file lies in kernels/<family>/.
void check_patch_family(const std::vector<EmbeddedFile>& files, const std::string& family);
// Empty when every patched file includes only embedded headers (runtime/include_policy.hpp), else why not,
// naming the file.
std::string patch_include_violation(const std::vector<EmbeddedFile>& files);

}  // namespace attnlab
