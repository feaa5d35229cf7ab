#pragma once
// Source candidates written as edits of the built-in kernel shell (kernels/sm80/flash_fwd_kernel.cuh)
// instead of full copies: the adversarial suite (tests/adversarial/*.cuh) is kept this way, so it
// follows changes of the built-in kernel and states only what it changes. Format, line-based:
//   //@@ prelude          lines inserted after the first "namespace attnlab::sm80 {" line
//   //@@ replace          lines to find (exactly once) ...
//   //@@ with             ... and what replaces them
//   //@@ end              closes a prelude or a with-block
// Lines outside blocks (the header comment) are kept at the top of the result.
#include <string>

namespace attnlab {

// UserError naming the edit when a replaced text is missing or not unique.
std::string apply_source_edits(const std::string& base, const std::string& edits);
// The embedded built-in kernel shell with `edits` applied (what `attnlab tune` would read from a file).
std::string builtin_kernel_with_edits(const std::string& edits);

}  // namespace attnlab
