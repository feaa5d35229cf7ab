#include "io/npy.hpp"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <sys/stat.h>
#include <unistd.h>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "core/dtype.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/atomic_file.hpp"

namespace attnlab {

// Data bytes are copied as they are: '=' (native) and '<' only mean the same thing on a little-endian host.
static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

namespace {

constexpr char kMagic[] = "\x93NUMPY";  // 6 bytes, then major, minor, header length
constexpr size_t kMagicLen = 6;
constexpr size_t kMaxHeader = size_t(1) << 20;  // real headers are ~100 bytes; bounds the allocation

struct Dtype {
  size_t size;
  std::string normalised;
};


// Empty string on success, else a one-line reason that starts after "<file>: ".
std::string parse_descr(std::string_view d, Dtype& out) {
  const std::string q = quote_for_message(d);
  if (d.size() < 2 || std::string_view("<>|=").find(d[0]) == std::string_view::npos)
    return "unsupported dtype " + q;
  const char kind = d[1];
  if (kind == 'O') return "object arrays (dtype " + q + ") are not supported";
  if (kind == 'V') return "structured/void dtypes (" + q + ") are not supported";
  if (d.size() < 3) return "unsupported dtype " + q;
  size_t size = 0;
  for (char c : d.substr(2)) {
    if (c < '0' || c > '9' || size > 64) return "unsupported dtype " + q;
    size = size * 10 + size_t(c - '0');
  }
  const bool ok = (kind == 'b' && size == 1) || (kind == 'f' && (size == 2 || size == 4 || size == 8)) ||
                  ((kind == 'i' || kind == 'u') && std::has_single_bit(size) && size <= 8) ||
                  (kind == 'c' && (size == 8 || size == 16));
  if (!ok) return "unsupported dtype " + q;
  // Byte order only matters for multi-byte types; '>u1' is odd but harmless.
  if (d[0] == '>' && size > 1)
    return "big-endian dtype " + q + " is not supported; convert with arr.astype('<" + std::string(d.substr(1)) + "')";
  out = {size, std::string(1, size == 1 ? '|' : '<') + std::string(d.substr(1))};
  return {};
}

Dtype dtype_or_throw(std::string_view d, const std::string& where) {
  Dtype t;
  if (auto why = parse_descr(d, t); !why.empty()) throw UserError(where + ": " + why);
  return t;
}

// Product of dims times elem size, or -1 on negative dims / int64 overflow.
int64_t checked_bytes(const std::vector<int64_t>& shape, size_t elem) {
  int64_t n = int64_t(elem);
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) return -1;
  return n;
}

// A recursive-descent reader for the one Python literal np.save writes: a dict with str keys whose values
// are a str, True/False, or a tuple of ints. Whitespace, key order and trailing commas are free.
struct HeaderParser {
  std::string_view s;
  const std::string& path;
  size_t i = 0;

  [[noreturn]] void fail(const std::string& why) const {
    throw UserError(path + ": malformed .npy header (" + why + " at offset " + std::to_string(i) + ")");
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }
  bool eat(char c) { return ws(), i < s.size() && s[i] == c ? (++i, true) : false; }
  void expect(char c) { if (!eat(c)) fail(std::string("expected '") + c + "'"); }
  char peek() { return ws(), i < s.size() ? s[i] : '\0'; }
  std::string str() {
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    const size_t end = s.find(q, ++i);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string out(s.substr(i, end - i));
    i = end + 1;
    return out;
  }
  bool boolean() {
    ws();
    for (std::string_view w : {"True", "False"})
      if (s.substr(i, w.size()) == w) return i += w.size(), w == "True";
    fail("expected True or False");
  }
  std::vector<int64_t> shape() {
    char close = ')';
    if (eat('[')) close = ']';  // a list is not what numpy writes, but it is unambiguous
    else if (!eat('(')) fail("expected a tuple for 'shape'");
    std::vector<int64_t> dims;
    while (!eat(close)) {
      if (!dims.empty()) expect(',');
      if (eat(close)) break;  // trailing comma: "(5,)"
      ws();
      if (i >= s.size() || s[i] < '0' || s[i] > '9') fail("expected a non-negative integer in 'shape'");
      int64_t v = 0;
      for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v)) fail("dimension overflows");
      if (i < s.size() && s[i] == 'L') ++i;  // Python 2 longs, still found in old files
      dims.push_back(v);
    }
    return dims;
  }
};

size_t read_some(std::FILE* f, void* dst, size_t n, const std::string& path) {
  const size_t got = std::fread(dst, 1, n, f);
  if (got < n && std::ferror(f)) throw UserError(path + ": read error (" + std::strerror(errno) + ")");
  return got;
}

std::string shape_repr(const std::vector<int64_t>& shape) {
  std::string r = "(";
  for (size_t k = 0; k < shape.size(); ++k) r += (k ? ", " : "") + std::to_string(shape[k]);
  return r + (shape.size() == 1 ? ",)" : ")");  // Python's tuple repr: "()", "(5,)", "(2, 3)"
}

}  // namespace

size_t NpyArray::elem_size() const { return dtype_or_throw(descr, "npy").size; }

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

namespace {
struct FileCloser {
  void operator()(std::FILE* fp) const { std::fclose(fp); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_for_read(const std::string& path) {
  errno = 0;
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) throw UserError(path + ": cannot open (" + std::strerror(errno) + ")");
  return f;
}

// Reads and checks the header; leaves f at the first data byte. Returns the data's byte size.
int64_t read_header(std::FILE* fp, const std::string& path, NpyArray& a, size_t& data_offset);

uint64_t physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? uint64_t(pages) * uint64_t(page) : UINT64_MAX;
}
}  // namespace

NpyArray read_npy_header(const std::string& path) {
  File f = open_for_read(path);
  NpyArray a;
  size_t data_offset = 0;
  read_header(f.get(), path, a, data_offset);
  return a;
}

NpyArray read_npy(const std::string& path) {
  File f = open_for_read(path);
  NpyArray a;
  size_t data_offset = 0;
  const int64_t nbytes = read_header(f.get(), path, a, data_offset);
  // Regular file: its size is known, so too few bytes fail before anything is allocated. Anything
  // else (a pipe, a device): read in chunks, holding at most what actually arrived (plus one chunk).
  struct stat st {};
  const bool regular = fstat(fileno(f.get()), &st) == 0 && S_ISREG(st.st_mode);
  const auto expect_msg = [&](uint64_t found) {
    return path + ": truncated data (shape " + shape_repr(a.shape) + " of " + a.descr + " needs " +
           std::to_string(nbytes) + " bytes, " + (regular ? "file has " : "stream had ") + std::to_string(found) + ")";
  };
  if (regular && uint64_t(st.st_size) - std::min<uint64_t>(st.st_size, data_offset) < uint64_t(nbytes))
    throw UserError(expect_msg(uint64_t(st.st_size) - std::min<uint64_t>(st.st_size, data_offset)));
  if (uint64_t(nbytes) > physical_memory())
    throw UserError(path + ": shape " + shape_repr(a.shape) + " of " + a.descr + " needs " + std::to_string(nbytes) +
                    " bytes, more than this machine's memory (" + std::to_string(physical_memory()) + ")");
  const size_t total = size_t(nbytes);
  if (regular) a.data.reserve(total);
  constexpr size_t kChunk = size_t(16) << 20;
  while (a.data.size() < total) {
    const size_t have = a.data.size(), want = std::min(kChunk, total - have);
    if (a.data.capacity() < have + want) a.data.reserve(std::min(total, std::max(2 * a.data.capacity(), have + want)));
    a.data.resize(have + want);
    const size_t got = read_some(f.get(), a.data.data() + have, want, path);
    if (got < want) throw UserError(expect_msg(have + got));
  }
  return a;
}

namespace {
int64_t read_header(std::FILE* fp, const std::string& path, NpyArray& a, size_t& data_offset_out) {
  unsigned char pre[12];
  if (read_some(fp, pre, 8, path) < 8 || std::memcmp(pre, kMagic, kMagicLen) != 0)
    throw UserError(path + ": not a .npy file (bad magic; expected \\x93NUMPY)");
  const int major = pre[6], minor = pre[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    throw UserError(path + ": unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
  // 1.0 has a 2-byte header length; 2.0 widened it to 4 bytes; 3.0 only changed the header text to UTF-8.
  const size_t len_bytes = major == 1 ? 2 : 4;
  const auto read_exact = [&](void* dst, size_t n) {
    if (read_some(fp, dst, n, path) < n) throw UserError(path + ": truncated .npy header");
  };
  read_exact(pre + 8, len_bytes);
  size_t header_len = 0;
  for (size_t k = 0; k < len_bytes; ++k) header_len |= size_t(pre[8 + k]) << (8 * k);
  const size_t data_offset = 8 + len_bytes + header_len;
  if (header_len > kMaxHeader) throw UserError(path + ": implausible .npy header length " + std::to_string(header_len));
  std::string header(header_len, '\0');
  read_exact(header.data(), header_len);
  data_offset_out = data_offset;

  HeaderParser p{header, path};
  std::string descr;
  bool have_descr = false, have_order = false, have_shape = false, fortran = false;
  p.expect('{');
  while (!p.eat('}')) {
    const std::string key = p.str();
    p.expect(':');
    if (key == "descr") {
      // A list here is a structured dtype (np.dtype([('x', '<f4'), ...]).descr).
      if (p.peek() == '[') throw UserError(path + ": structured dtypes are not supported; save a plain numeric array");
      descr = p.str(), have_descr = true;
    } else if (key == "fortran_order") {
      fortran = p.boolean(), have_order = true;
    } else if (key == "shape") {
      a.shape = p.shape(), have_shape = true;
    } else {
      p.fail("unexpected key " + quote_for_message(key));  // numpy rejects extra keys too
    }
    if (!p.eat(',')) {
      p.expect('}');
      break;
    }
  }
  p.ws();
  if (p.i != header.size()) p.fail("unexpected text after the dict");
  if (!have_descr || !have_order || !have_shape) p.fail("needs 'descr', 'fortran_order' and 'shape'");
  if (fortran) throw UserError(path + ": fortran_order arrays are not supported; save with np.ascontiguousarray");
  const Dtype t = dtype_or_throw(descr, path);
  a.descr = t.normalised;

  const int64_t nbytes = checked_bytes(a.shape, t.size);
  if (nbytes < 0) throw UserError(path + ": shape " + shape_repr(a.shape) + " is too large");
  return nbytes;  // bytes past the array are ignored, as np.load does
}
}  // namespace

void write_npy(const std::string& path, const NpyArray& a) {
  const Dtype t = dtype_or_throw(a.descr, path);
  if (checked_bytes(a.shape, t.size) != int64_t(a.data.size()))
    throw std::invalid_argument("write_npy: data size does not match shape " + shape_repr(a.shape) + " of " + a.descr);
  // Same text as np.save (numpy 1.x/2.x), so files diff cleanly against ones written from Python.
  const std::string dict =
      "{'descr': '" + t.normalised + "', 'fortran_order': False, 'shape': " + shape_repr(a.shape) + ", }";
  // Pad with spaces and end with '\n' so the data starts 64-byte aligned after the 10-byte 1.0 prefix
  // (np.load may then mmap it). NumPy caps ndim at 64, so the 2-byte length of version 1.0 always suffices.
  const std::string header = dict + std::string((64 - (10 + dict.size() + 1) % 64) % 64, ' ') + '\n';
  if (header.size() > 0xffff) throw std::invalid_argument("write_npy: rank " + std::to_string(a.shape.size()));
  const std::string pre = std::string(kMagic, kMagicLen) + '\x01' + '\0' + char(header.size() & 0xff) +
                          char(header.size() >> 8);

  // Whole or not at all (io/atomic_file.hpp): a half-written .npy would only fail later, further from
  // the cause, and a failed write leaves the file that was there before.
  AtomicFile f(path);
  f.write(pre);
  f.write(header);
  f.write(std::string_view(reinterpret_cast<const char*>(a.data.data()), a.data.size()));
  f.commit();
}

std::string float_descr_problem(const std::string& descr) {
  if (descr == "<f2" || descr == "<u2" || descr == "<f4" || descr == "<f8") return {};
  return "unsupported dtype " + quote_for_message(descr) +
         " (expected float16 '<f2', float32 '<f4', float64 '<f8', or bfloat16 bits as uint16 '<u2')";
}

std::vector<float> npy_to_float(const NpyArray& a) {
  const Dtype t = dtype_or_throw(a.descr, "npy");
  if (checked_bytes(a.shape, t.size) != int64_t(a.data.size()))
    throw std::invalid_argument("npy_to_float: data size does not match shape " + shape_repr(a.shape));
  std::vector<float> out(static_cast<size_t>(a.numel()));
  // memcpy per element: the byte buffer carries no alignment guarantee for wider types.
  const auto convert = [&]<typename T>(T, auto to_float) {
    for (size_t k = 0; k < out.size(); ++k) {
      T x;
      std::memcpy(&x, a.data.data() + sizeof(T) * k, sizeof(T));
      out[k] = to_float(x);
    }
  };
  if (auto why = float_descr_problem(t.normalised); !why.empty()) throw UserError(why);
  if (t.normalised == "<f2") convert(uint16_t{}, f16_bits_to_float);
  else if (t.normalised == "<u2") convert(uint16_t{}, bf16_bits_to_float);
  else if (t.normalised == "<f4") convert(float{}, [](float x) { return x; });
  else convert(double{}, [](double x) { return float(x); });
  return out;
}

NpyArray npy_from_float(const std::vector<float>& v, std::vector<int64_t> shape, const std::string& descr) {
  NpyArray a{descr, std::move(shape), {}};
  if (descr != "<f2" && descr != "<f4" && descr != "<f8" && descr != "<u2")
    throw UserError("cannot write dtype " + quote_for_message(descr) +
                    " (expected '<f2', '<f4', '<f8' or '<u2' for bfloat16 bits)");
  if (checked_bytes(a.shape, 1) != int64_t(v.size()))
    throw std::invalid_argument("npy_from_float: " + std::to_string(v.size()) + " values for shape " +
                                shape_repr(a.shape));
  a.data.resize(v.size() * a.elem_size());
  const auto store = [&](auto from_float) {  // element type from the converter's return type
    for (size_t k = 0; k < v.size(); ++k) {
      const auto x = from_float(v[k]);
      std::memcpy(a.data.data() + sizeof(x) * k, &x, sizeof(x));
    }
  };
  if (descr == "<f2") store(float_to_f16_bits);
  else if (descr == "<u2") store(float_to_bf16_bits);
  else if (descr == "<f4") store([](float x) { return x; });
  else store([](float x) { return double(x); });
  return a;
}

}  // namespace attnlab
