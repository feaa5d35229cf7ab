#pragma once
// A zip archive of stored (uncompressed) members, as a wheel is one (PEP 427): enough for `pip install` and
// written by attnlab itself, so building the wheel needs neither pip nor network.
#include <string>
#include <vector>

namespace attnlab {

struct ZipMember {
  std::string name;  // path inside the archive, '/'-separated
  std::string data;
  bool executable = false;
};
std::string zip_archive(const std::vector<ZipMember>& members);

// RECORD's digest: "sha256=" + urlsafe base64 without padding of the SHA-256 of data.
std::string wheel_record_hash(const std::string& data);

}  // namespace attnlab
