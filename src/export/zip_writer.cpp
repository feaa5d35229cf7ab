#include "export/zip_writer.hpp"

#include <zlib.h>

#include <cstdint>
#include <stdexcept>

#include "evidence/sha256.hpp"

namespace attnlab {

namespace {
void put16(std::string& s, uint16_t v) {
  s += char(v & 0xff);
  s += char(v >> 8);
}
void put32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s += char((v >> (8 * i)) & 0xff);
}
constexpr uint16_t kDosTime = 0, kDosDate = (1980 - 1980) << 9 | 1 << 5 | 1;  // fixed: reproducible archives
}  // namespace

std::string zip_archive(const std::vector<ZipMember>& members) {
  std::string out, central;
  for (const auto& m : members) {
    if (m.data.size() >= 0xffffffffu || out.size() >= 0xffffffffu) throw std::runtime_error("zip member too large (no zip64)");
    const uint32_t crc = uint32_t(crc32(0, reinterpret_cast<const Bytef*>(m.data.data()), uInt(m.data.size())));
    const uint32_t offset = uint32_t(out.size());
    put32(out, 0x04034b50);
    put16(out, 20);
    put16(out, 0);  // flags
    put16(out, 0);  // stored
    put16(out, kDosTime);
    put16(out, kDosDate);
    put32(out, crc);
    put32(out, uint32_t(m.data.size()));
    put32(out, uint32_t(m.data.size()));
    put16(out, uint16_t(m.name.size()));
    put16(out, 0);
    out += m.name;
    out += m.data;
    put32(central, 0x02014b50);
    put16(central, 3 << 8 | 20);  // made by: Unix
    put16(central, 20);
    put16(central, 0);
    put16(central, 0);
    put16(central, kDosTime);
    put16(central, kDosDate);
    put32(central, crc);
    put32(central, uint32_t(m.data.size()));
    put32(central, uint32_t(m.data.size()));
    put16(central, uint16_t(m.name.size()));
    put16(central, 0);  // extra
    put16(central, 0);  // comment
    put16(central, 0);  // disk
    put16(central, 0);  // internal attributes
    put32(central, uint32_t(m.executable ? 0100755 : 0100644) << 16);
    put32(central, offset);
    central += m.name;
  }
  const uint32_t central_offset = uint32_t(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, uint16_t(members.size()));
  put16(out, uint16_t(members.size()));
  put32(out, uint32_t(central.size()));
  put32(out, central_offset);
  put16(out, 0);
  return out;
}

std::string wheel_record_hash(const std::string& data) {
  const std::string hex = sha256_hex(data);
  std::string raw;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) raw += char(std::stoi(hex.substr(i, 2), nullptr, 16));
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string b64;
  size_t i = 0;
  for (; i + 2 < raw.size(); i += 3) {
    const uint32_t v = uint8_t(raw[i]) << 16 | uint8_t(raw[i + 1]) << 8 | uint8_t(raw[i + 2]);
    for (int k = 3; k >= 0; --k) b64 += kAlphabet[(v >> (6 * k)) & 63];
  }
  if (raw.size() - i == 2) {
    const uint32_t v = uint8_t(raw[i]) << 16 | uint8_t(raw[i + 1]) << 8;
    for (int k = 3; k >= 1; --k) b64 += kAlphabet[(v >> (6 * k)) & 63];
  } else if (raw.size() - i == 1) {
    const uint32_t v = uint8_t(raw[i]) << 16;
    for (int k = 3; k >= 2; --k) b64 += kAlphabet[(v >> (6 * k)) & 63];
  }
  return "sha256=" + b64;
}

}  // namespace attnlab
