#include "runtime/include_policy.hpp"

#include <cctype>

#include "core/parse.hpp"

namespace attnlab {

namespace {

// Translation phase 2: backslash-newline removed everywhere.
std::string splice_lines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      size_t j = i + 1;
      if (j < s.size() && s[j] == '\r') ++j;
      if (j < s.size() && s[j] == '\n') {
        i = j;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Skips horizontal whitespace and /* */ comments (as the preprocessor does inside a directive).
size_t skip_space(std::string_view t, size_t j) {
  for (;;) {
    while (j < t.size() && (t[j] == ' ' || t[j] == '\t' || t[j] == '\v' || t[j] == '\f' || t[j] == '\r')) ++j;
    if (t.substr(j, 2) != "/*") return j;
    const size_t end = t.find("*/", j + 2);
    j = end == std::string_view::npos ? t.size() : end + 2;
  }
}

// The "..." or <...> operand at j; problem set for anything else (a macro: a computed include).
void read_operand(std::string_view t, size_t j, IncludeDirective& d) {
  j = skip_space(t, j);
  const char open = j < t.size() ? t[j] : '\0';
  const char close = open == '"' ? '"' : open == '<' ? '>' : '\0';
  if (!close) {
    d.problem = "computed includes (a macro or expression instead of \"file\" or <file>) are not allowed";
    return;
  }
  const size_t end = t.find_first_of(std::string{close, '\n'}, j + 1);
  if (end == std::string_view::npos || t[end] != close) {
    d.problem = "unterminated file name";
    return;
  }
  d.path = std::string(t.substr(j + 1, end - j - 1));
  d.spelled += std::string(t.substr(j, end - j + 1));
  d.problem = include_path_problem(d.path);
}

}  // namespace

std::string include_path_problem(std::string_view path) {
  if (path.empty()) return "empty file name";
  if (path[0] == '/') return "absolute paths are not allowed";
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return "control characters and '\\' are not allowed";
  for (size_t start = 0; start <= path.size();) {
    const size_t slash = path.find('/', start);
    const std::string_view part = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") return "'..' is not allowed";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return {};
}

std::vector<IncludeDirective> scan_includes(std::string_view source) {
  const std::string t = splice_lines(source);
  std::vector<IncludeDirective> out;
  for (size_t i = 0; i < t.size(); ++i) {
    size_t j = std::string::npos;
    if (t[i] == '#') {
      if (i + 1 < t.size() && t[i + 1] == '#') {  // token pasting, never a directive
        ++i;
        continue;
      }
      j = i + 1;
    } else if (t.compare(i, 2, "%:") == 0) {
      j = i + 2;
    } else if (t.compare(i, 3, "?\?=") == 0) {
      j = i + 3;
    } else if (t.compare(i, 13, "__has_include") == 0 && (i == 0 || !ident_char(t[i - 1]))) {
      size_t k = i + 13;
      if (t.compare(k, 5, "_next") == 0) k += 5;
      if (k < t.size() && ident_char(t[k])) continue;
      IncludeDirective d{std::string(t.substr(i, k - i)), {}, {}};
      k = skip_space(t, k);
      if (k >= t.size() || t[k] != '(') d.problem = "__has_include without '('";
      else read_operand(t, k + 1, d);
      out.push_back(std::move(d));
      i = k;
      continue;
    }
    if (j == std::string::npos) continue;
    j = skip_space(t, j);
    size_t k = j;
    while (k < t.size() && ident_char(t[k])) ++k;
    const std::string_view word = std::string_view(t).substr(j, k - j);
    if (word != "include" && word != "include_next" && word != "import" && word != "embed") continue;
    IncludeDirective d{"#" + std::string(word) + " ", {}, {}};
    read_operand(t, k, d);
    out.push_back(std::move(d));
    i = k - 1;
  }
  return out;
}

std::string include_violation(std::string_view source, const std::function<bool(const std::string&)>& allowed) {
  for (const auto& d : scan_includes(source)) {
    if (!d.problem.empty()) return printable(d.spelled.substr(0, 120)) + ": " + d.problem + " in a source candidate";
    if (!allowed(d.path))
      return printable(d.spelled.substr(0, 120)) +
             ": a source candidate may include only attnlab's embedded headers (e.g. sm80/mainloop.cuh) and files of "
             "its own folder";
  }
  return {};
}

}  // namespace attnlab
