#pragma once
// Helpers of the hostile-input tests (issue 9): temporary folders, file snapshots, raw .npy bytes, and
// the message of the UserError a call throws.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "core/error.hpp"

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
