#pragma once
// Helpers of the hostile-input tests (issue 9): temporary folders, file snapshots, raw .npy bytes, and
// the message of the UserError a call throws.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "test_helpers.hpp"

namespace attnlab::test {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "attnlab-hostile-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

inline std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Every file of a folder with its bytes: "nothing was written" means this map did not change.
inline std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> m;
  for (auto& e : fs::directory_iterator(dir)) m[e.path().filename().string()] = slurp(e.path().string());
  return m;
}

// A .npy header (version 1.0) declaring `shape` of <f2, followed by `data_bytes` zero bytes.
inline std::string npy_bytes(const std::string& shape, size_t data_bytes) {
  std::string dict = "{'descr': '<f2', 'fortran_order': False, 'shape': " + shape + ", }";
  dict += std::string((64 - (10 + dict.size() + 1) % 64) % 64, ' ') + '\n';
  std::string s = std::string("\x93NUMPY\x01\x00", 8) + char(dict.size() & 0xff) + char(dict.size() >> 8) + dict;
  return s + std::string(data_bytes, '\0');
}

// One bad invocation and a fragment its one-line error must contain.
struct Probe {
  std::string args;
  std::string fragment;  // what the one line must contain (the flag or the reason)
};

// Exit status 2 and exactly one line "attnlab: error: ..." holding p.fragment, never a signal, a core
// dump, a stack trace or a bare "stoi" / nlohmann / bad_alloc message.
inline void expect_one_line_error(const Probe& p) {
  const auto r = run_cli(p.args);
  EXPECT_EQ(r.exit_code, 2) << p.args << "\n" << r.output;
  std::string out = r.output;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  EXPECT_EQ(out.find('\n'), std::string::npos) << p.args << ": more than one line:\n" << r.output;
  EXPECT_EQ(out.rfind("attnlab: error: ", 0), 0u) << p.args << "\n" << r.output;
  EXPECT_NE(out.find(p.fragment), std::string::npos) << p.args << ": no '" << p.fragment << "' in\n" << r.output;
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << p.args << ": a terminal escape printed raw";
  for (const char* bad : {"stoi", "json.exception", "bad_alloc", "terminate called", "core dumped", "Aborted", "filesystem error"})
    EXPECT_EQ(out.find(bad), std::string::npos) << p.args << ": '" << bad << "' in\n" << r.output;
}

// Random byte edits of a valid input, for the seeded fuzz tests.
inline std::string mutate(std::string s, std::mt19937_64& rng) {
  const int edits = 1 + int(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const size_t at = rng() % s.size();
    switch (rng() % 4) {
      case 0: s[at] = char(rng()); break;
      case 1: s.erase(at, 1 + rng() % 8); break;
      case 2: s.insert(at, std::string(1 + rng() % 3, "0123456789,()[]{}'\":-9"[rng() % 23])); break;
      default: s.insert(at, s.substr(rng() % s.size(), 1 + rng() % 16)); break;
    }
  }
  return s;
}

template <class F>
std::string user_error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("NOT A UserError: ") + e.what();
  }
  return "NO ERROR";
}


}  // namespace attnlab::test
