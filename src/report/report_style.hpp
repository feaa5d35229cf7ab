#pragma once
// The report's inline stylesheet (light, dark via prefers-color-scheme, print).
namespace attnlab::report {
const char* report_css();
}  // namespace attnlab::report
