#pragma once
// Source candidates written as edits of the built-in kernel files instead of full copies: the adversarial
// suite (tests/adversarial/*.cuh) is kept this way, so it follows changes of the built-in kernel and states
// only what it changes. The format and its one implementation: backends/custom/kernel_patch.hpp.
#include <string>

#include "backends/custom/family.hpp"
#include "backends/custom/kernel_patch.hpp"

namespace attnlab {

// The embedded kernel file `path` with `edits` applied (what `attnlab variant-source` prints); UserError when
// the edits do not patch that file.
std::string builtin_kernel_with_edits(const std::string& edits, const std::string& path = kLegacyEditTarget);

}  // namespace attnlab

namespace attnlab {

// What the evaluation path would compile of a source candidate's text for a config of `family`: the patched
// files (edits) or the kernel shell (a full text), after the family and include-policy checks; one-line
// UserError otherwise. `attnlab check-source` runs it for proposers that validate before handing in.
std::vector<EmbeddedFile> checked_source_files(const std::string& text, const FamilySpec& family);

}  // namespace attnlab
