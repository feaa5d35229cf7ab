#include "runtime/cubin_state.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace attnlab {

namespace {
// ELF64 little-endian, the layout every CUDA cubin uses.
struct Section {
  uint32_t name, type;
  uint64_t offset, size, entsize;
  uint32_t link;
};
constexpr uint32_t kSymtab = 2;

class Elf {
 public:
  explicit Elf(const std::string& image) : b_(image) {
    if (b_.size() < 64 || std::memcmp(b_.data(), "\x7f" "ELF", 4) != 0 || b_[4] != 2 || b_[5] != 1)
      throw std::runtime_error("cubin: not a 64-bit little-endian ELF image");
    const uint64_t shoff = u64(0x28);
    const uint16_t shentsize = u16(0x3a), shnum = u16(0x3c), shstrndx = u16(0x3e);
    if (shentsize < 64 || shnum == 0 || shstrndx >= shnum) throw std::runtime_error("cubin: bad section header table");
    for (uint16_t i = 0; i < shnum; ++i) {
      const uint64_t at = shoff + uint64_t(i) * shentsize;
      sections_.push_back({u32(at), u32(at + 4), u64(at + 0x18), u64(at + 0x20), u64(at + 0x38), u32(at + 0x28)});
    }
    names_ = &sections_[shstrndx];
  }
  const std::vector<Section>& sections() const { return sections_; }
  std::string section_name(const Section& s) const { return str(*names_, s.name); }
  std::string str(const Section& table, uint64_t off) const {
    if (off >= table.size) throw std::runtime_error("cubin: string offset out of range");
    const uint64_t at = table.offset + off;
    need(at, 1);
    const char* p = b_.data() + at;
    return std::string(p, strnlen(p, std::min<uint64_t>(table.offset + table.size, b_.size()) - at));
  }
  uint8_t u8(uint64_t at) const { need(at, 1); return uint8_t(b_[at]); }
  uint16_t u16(uint64_t at) const { return uint16_t(read(at, 2)); }
  uint32_t u32(uint64_t at) const { return uint32_t(read(at, 4)); }
  uint64_t u64(uint64_t at) const { return read(at, 8); }

 private:
  void need(uint64_t at, uint64_t n) const {
    if (at > b_.size() || n > b_.size() - at) throw std::runtime_error("cubin: truncated ELF image");
  }
  uint64_t read(uint64_t at, int n) const {
    need(at, n);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | uint8_t(b_[at + i]);
    return v;
  }
  const std::string& b_;
  std::vector<Section> sections_;
  const Section* names_ = nullptr;
};

std::string demangled(const std::string& name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  std::string out = status == 0 && d ? d : name;
  std::free(d);
  return out;
}

bool is_global_data(const std::string& name) { return name == ".nv.global" || name.rfind(".nv.global.", 0) == 0; }


struct Scan {
  std::vector<DeviceObject> objects;
  std::vector<std::string> heap_calls;
  std::vector<DeviceObject> unnamed;  // data sections without a named object (sizes only)
};

Scan scan(const std::string& cubin) {
  const Elf elf(cubin);
  Scan out;
  const auto& secs = elf.sections();
  std::vector<bool> listed(secs.size(), false);
  for (const Section& st : secs) {
    if (st.type != kSymtab || st.entsize < 24 || st.link >= secs.size()) continue;
    const Section& strtab = secs[st.link];
    for (uint64_t off = 0; off + 24 <= st.size; off += st.entsize) {
      const uint64_t at = st.offset + off;
      const uint32_t name = elf.u32(at);
      const uint8_t info = elf.u8(at + 4);
      const uint16_t shndx = elf.u16(at + 6);
      const uint64_t size = elf.u64(at + 16);
      const int type = info & 0xf;  // 1 OBJECT, 2 FUNC
      const std::string sym = name ? elf.str(strtab, name) : "";
      if (type == 1 && shndx > 0 && shndx < secs.size() && is_global_data(elf.section_name(secs[shndx]))) {
        listed[shndx] = true;
        out.objects.push_back({sym, elf.section_name(secs[shndx]), size});
      } else if (shndx == 0 && (sym == "malloc" || sym == "free" || sym == "__nv_malloc" || sym == "__nv_free")) {
        out.heap_calls.push_back(sym);
      }
    }
  }
  for (size_t i = 0; i < secs.size(); ++i)
    if (!listed[i] && secs[i].size > 0 && is_global_data(elf.section_name(secs[i])))
      out.unnamed.push_back({"", elf.section_name(secs[i]), secs[i].size});
  return out;
}
}  // namespace

std::vector<DeviceObject> cubin_device_objects(const std::string& cubin) { return scan(cubin).objects; }

std::vector<std::string> cubin_launch_state(const std::string& cubin, const std::vector<DeviceObject>& allowed) {
  const Scan s = scan(cubin);
  std::vector<std::string> found;
  for (const auto& o : s.objects) {
    const bool ok = std::any_of(allowed.begin(), allowed.end(), [&](const DeviceObject& a) {
      return a.name == o.name && a.section == o.section && a.bytes == o.bytes;
    });
    if (!ok) found.push_back(fmt::format("__device__ object '{}' ({} bytes in {})", demangled(o.name).substr(0, 80), o.bytes, o.section));
  }
  for (const auto& h : s.heap_calls) found.push_back(fmt::format("calls {} (the device heap outlives a launch)", h));
  for (const auto& u : s.unnamed) found.push_back(fmt::format("{} bytes of writable device memory in {}", u.bytes, u.section));
  return found;
}

}  // namespace attnlab
