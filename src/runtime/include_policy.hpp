#pragma once
// Which files source from outside attnlab (a proposer's kernel candidate) may #include: only the
// embedded kernel headers, by their relative names. The scan works on the text with line continuations
// spliced and deliberately ignores whether a match sits in a comment or a string, so no construct can
// hide a directive from it (a commented-out bad include is refused too, which costs nothing).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace attnlab {

struct IncludeDirective {
  std::string spelled;  // "#include \"sm80/mainloop.cuh\"" as found (continuations spliced), for messages
  std::string path;     // between the quotes or angle brackets; empty for a computed include
  std::string problem;  // non-empty: refused whatever the allowed set (absolute, '..', computed, ...)
};

// Every #include / #include_next / #import / #embed (introduced by '#', '%:' or '??=') and every
// __has_include(...) in `source`.
std::vector<IncludeDirective> scan_includes(std::string_view source);
// Why `path` can never be included by untrusted source (absolute, '..' component, backslash, control
// characters, empty); empty when it is a plain relative path.
std::string include_path_problem(std::string_view path);
// Empty when every include of `source` is a plain relative path accepted by `allowed`, else a one-line
// reason naming the first offending directive (its path is quoted; no file is ever opened here).
std::string include_violation(std::string_view source, const std::function<bool(const std::string&)>& allowed);

}  // namespace attnlab
