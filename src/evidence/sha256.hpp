#pragma once
// SHA-256 (FIPS 180-4) of a byte string or a file, as 64 lowercase hex digits: the manifest's file hashes.
#include <string>
#include <string_view>

namespace attnlab {

std::string sha256_hex(std::string_view data);
std::string sha256_file(const std::string& path);  // std::runtime_error when unreadable

}  // namespace attnlab
