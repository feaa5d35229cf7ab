#pragma once
// The one generated C++ file of an exported library: each cubin pulled in with the assembler's .incbin (the
// bytes are never printed as text, so a package of many megabytes compiles in a second) and the
// EmbeddedPackage (export/runtime/embedded_package.hpp) that the prebuilt runtime archive reads.
#include <string>
#include <vector>

#include "export/export_plan.hpp"

namespace attnlab {

// The cubin of plan.kernels[i] is the file cubin_<i>.bin of the folder given to the assembler (-Wa,-I), sizes[i] bytes.
std::string library_source(const ExportPlan& plan, const std::vector<size_t>& sizes, const std::string& dispatch_json, const std::string& build_info);
// A C string literal of any bytes (quotes, backslashes, control bytes and '?' escaped; split every 4000 bytes).
std::string c_string_literal(const std::string& bytes);

}  // namespace attnlab
