#pragma once
// Content hash for cache keys: two independent 64-bit FNV-1a streams -> 32 hex digits. Not
// cryptographic; the cache also stores the full key text and compares it on load.
#include <cstdint>
#include <string>
#include <string_view>

namespace attnlab {

class ContentHash {
 public:
  ContentHash& add(std::string_view s) {
    for (unsigned char c : s) {
      a_ = (a_ ^ c) * 0x100000001b3ull;
      b_ = (b_ ^ c) * 0x00000100000001b3ull ^ (b_ >> 29);
    }
    // separator so ("ab","c") and ("a","bc") differ
    a_ = (a_ ^ 0xff) * 0x100000001b3ull;
    b_ = (b_ ^ 0xfe) * 0x00000100000001b3ull;
    return *this;
  }
  std::string hex() const;

 private:
  uint64_t a_ = 0xcbf29ce484222325ull;
  uint64_t b_ = 0x84222325cbf29ce4ull;
};

}  // namespace attnlab
