// .npy reader/writer: round trips, byte-exact agreement with files NumPy writes, and one-line UserErrors
// naming the file for everything `attnlab run` must refuse.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/npy.hpp"

namespace attnlab {
namespace {

using Bytes = std::vector<uint8_t>;

// np.save(f, np.arange(6, dtype=np.float16).reshape(2, 3)) with numpy 1.26.4: version 1.0, 118-byte
// header padded with spaces so the data starts at offset 128.
const Bytes kNumpyF16_2x3 = {
    0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7b, 0x27, 0x64, 0x65, 0x73, 0x63, 0x72, 0x27,
    0x3a, 0x20, 0x27, 0x3c, 0x66, 0x32, 0x27, 0x2c, 0x20, 0x27, 0x66, 0x6f, 0x72, 0x74, 0x72, 0x61, 0x6e, 0x5f,
    0x6f, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3a, 0x20, 0x46, 0x61, 0x6c, 0x73, 0x65, 0x2c, 0x20, 0x27, 0x73, 0x68,
    0x61, 0x70, 0x65, 0x27, 0x3a, 0x20, 0x28, 0x32, 0x2c, 0x20, 0x33, 0x29, 0x2c, 0x20, 0x7d, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x0a, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x40, 0x00, 0x42, 0x00, 0x44, 0x00, 0x45};

// np.lib.format.write_array(f, np.array([1.5, -2.0, 0.25], dtype='<f4'), version=(2, 0)), numpy 1.26.4:
// a 4-byte header length (0x74 = 116) after the version bytes.
const Bytes kNumpyV2F32_3 = {
    0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x02, 0x00, 0x74, 0x00, 0x00, 0x00, 0x7b, 0x27, 0x64, 0x65, 0x73, 0x63,
    0x72, 0x27, 0x3a, 0x20, 0x27, 0x3c, 0x66, 0x34, 0x27, 0x2c, 0x20, 0x27, 0x66, 0x6f, 0x72, 0x74, 0x72, 0x61,
    0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3a, 0x20, 0x46, 0x61, 0x6c, 0x73, 0x65, 0x2c, 0x20, 0x27,
    0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3a, 0x20, 0x28, 0x33, 0x2c, 0x29, 0x2c, 0x20, 0x7d, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x0a, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x80, 0x3e};

// A file name unique to the running test: ctest runs each test in its own process, possibly in parallel.
std::string temp_path(const std::string& suffix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return ::testing::TempDir() + "attnlab_npy_" + info->test_suite_name() + "_" + info->name() + "_" + suffix;
}

void write_bytes(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
  ASSERT_TRUE(out.good()) << path;
}

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A .npy file with the given version and header text (unpadded unless the text pads itself).
Bytes make_npy(int major, const std::string& header, const Bytes& data) {
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(major), 0};
  const size_t len_bytes = major == 1 ? 2 : 4;
  for (size_t k = 0; k < len_bytes; ++k) b.push_back(uint8_t(header.size() >> (8 * k)));
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

// Runs read_npy on `bytes` written to a temp file and checks the one-line UserError names the file.
void expect_read_error(const std::string& name, const Bytes& bytes, const std::string& needle) {
  const std::string path = temp_path(name);
  write_bytes(path, bytes);
  try {
    read_npy(path);
    ADD_FAILURE() << "read_npy(" << name << ") did not throw";
  } catch (const UserError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

Bytes f32_bytes(const std::vector<float>& v) {
  Bytes b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

TEST(Npy, RoundTripEveryDtypeAndShape) {
  const std::vector<std::string> descrs = {"<f2", "<f4", "<f8", "<u2", "|u1", "<i4"};
  const std::vector<std::vector<int64_t>> shapes = {{}, {5}, {2, 3}, {2, 3, 4, 5}, {0, 3}};
  for (const auto& descr : descrs) {
    for (const auto& shape : shapes) {
      NpyArray a{descr, shape, {}};
      SCOPED_TRACE(descr + " rank " + std::to_string(shape.size()));
      a.data.resize(size_t(a.numel()) * a.elem_size());
      for (size_t k = 0; k < a.data.size(); ++k) a.data[k] = uint8_t(k * 37 + 11);
      const std::string path = temp_path(std::to_string(&descr - descrs.data()) + "_" + std::to_string(shape.size()));
      write_npy(path, a);

      const Bytes raw = read_bytes(path);
      ASSERT_GE(raw.size(), a.data.size() + 64);
      const size_t data_offset = raw.size() - a.data.size();
      EXPECT_EQ(data_offset % 64, 0u);
      EXPECT_EQ(raw[6], 1);  // version 1.0
      EXPECT_EQ(raw[7], 0);
      EXPECT_EQ(raw[data_offset - 1], '\n');

      const NpyArray b = read_npy(path);
      EXPECT_EQ(b.descr, descr);
      EXPECT_EQ(b.shape, shape);
      EXPECT_EQ(b.data, a.data);
    }
  }
}

TEST(Npy, NumelAndElemSize) {
  EXPECT_EQ((NpyArray{"<f4", {}, {}}).numel(), 1);
  EXPECT_EQ((NpyArray{"<f4", {2, 3, 4, 5}, {}}).numel(), 120);
  EXPECT_EQ((NpyArray{"<f2", {}, {}}).elem_size(), 2u);
  EXPECT_EQ((NpyArray{"<f8", {}, {}}).elem_size(), 8u);
  EXPECT_EQ((NpyArray{"|u1", {}, {}}).elem_size(), 1u);
}

TEST(Npy, ReadsFileWrittenByNumpy) {
  const std::string path = temp_path("f16.npy");
  write_bytes(path, kNumpyF16_2x3);
  const NpyArray a = read_npy(path);
  EXPECT_EQ(a.descr, "<f2");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(npy_to_float(a), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(Npy, WritesSameBytesAsNumpy) {
  const std::string path = temp_path("f16.npy");
  write_npy(path, npy_from_float({0, 1, 2, 3, 4, 5}, {2, 3}, "<f2"));
  EXPECT_EQ(read_bytes(path), kNumpyF16_2x3);
}

TEST(Npy, ReadsVersion2Header) {
  const std::string path = temp_path("v2.npy");
  write_bytes(path, kNumpyV2F32_3);
  const NpyArray a = read_npy(path);
  EXPECT_EQ(a.descr, "<f4");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(npy_to_float(a), (std::vector<float>{1.5f, -2.0f, 0.25f}));
}

TEST(Npy, ReadsVersion3HeaderWithLooseFormatting) {
  // Keys out of order, double quotes, odd spacing, no trailing comma, '=' byte order, no padding.
  const std::string header = "{ \"shape\" : ( 2 , ) ,\"fortran_order\":False,  'descr':'=f4' }\n";
  const std::string path = temp_path("v3.npy");
  write_bytes(path, make_npy(3, header, f32_bytes({7.f, -1.f})));
  const NpyArray a = read_npy(path);
  EXPECT_EQ(a.descr, "<f4");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(npy_to_float(a), (std::vector<float>{7.f, -1.f}));
}

TEST(Npy, ParsesShapeVariants) {
  const std::vector<std::pair<std::string, std::vector<int64_t>>> cases = {
      {"()", {}},           {"(5,)", {5}},         {"(2, 3)", {2, 3}},
      {"(2,3,)", {2, 3}},   {"(1L, 2L)", {1, 2}},  {"(1, 1, 1, 2)", {1, 1, 1, 2}}};
  for (size_t c = 0; c < cases.size(); ++c) {
    const auto& [text, shape] = cases[c];
    SCOPED_TRACE(text);
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> values(size_t(n), 0.5f);
    const std::string path = temp_path(std::to_string(c) + ".npy");
    const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + text + ", }\n";
    write_bytes(path, make_npy(1, header, f32_bytes(values)));
    const NpyArray a = read_npy(path);
    EXPECT_EQ(a.shape, shape);
    EXPECT_EQ(npy_to_float(a), values);
  }
}

TEST(Npy, MissingFileNamesPathAndReason) {
  const std::string path = temp_path("does_not_exist.npy");
  try {
    read_npy(path);
    FAIL() << "no UserError";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": cannot open (No such file or directory)");
  }
}

TEST(Npy, RejectsBadMagic) {
  Bytes b = kNumpyF16_2x3;
  b[1] = 'X';
  expect_read_error("magic.npy", b, "bad magic");
  expect_read_error("empty.npy", {}, "bad magic");
}

TEST(Npy, RejectsBigEndian) {
  expect_read_error("be.npy", make_npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", Bytes(8)),
                    "big-endian");
}

TEST(Npy, RejectsFortranOrder) {
  expect_read_error("fortran.npy",
                    make_npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", Bytes(16)),
                    "fortran_order arrays are not supported; save with np.ascontiguousarray");
}

TEST(Npy, RejectsTruncatedData) {
  Bytes b = kNumpyF16_2x3;
  b.resize(b.size() - 2);
  expect_read_error("short.npy", b, "truncated data");
}

TEST(Npy, RejectsTruncatedHeader) {
  Bytes b = kNumpyF16_2x3;
  b.resize(60);
  expect_read_error("short_header.npy", b, "truncated .npy header");
}

TEST(Npy, RejectsObjectAndStructuredDtypes) {
  expect_read_error("object.npy", make_npy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n", Bytes(8)),
                    "object arrays");
  expect_read_error("struct.npy",
                    make_npy(1, "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", Bytes(4)),
                    "structured dtypes are not supported");
}

TEST(Npy, RejectsMalformedHeaderAndUnknownVersion) {
  expect_read_error("noshape.npy", make_npy(1, "{'descr': '<f4', 'fortran_order': False}\n", Bytes(4)),
                    "malformed .npy header");
  expect_read_error("negative.npy", make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}\n", {}),
                    "malformed .npy header");
  expect_read_error("v9.npy", make_npy(9, "{}", {}), "unsupported .npy format version 9.0");
}

TEST(Npy, WriteToMissingDirectoryNamesPath) {
  const std::string path = temp_path("no_such_dir") + "/x.npy";
  try {
    write_npy(path, npy_from_float({1.f}, {1}, "<f4"));
    FAIL() << "no UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": cannot write"), std::string::npos) << e.what();
  }
}

uint16_t first_u16(const NpyArray& a) {
  uint16_t b;
  std::memcpy(&b, a.data.data(), 2);
  return b;
}

TEST(NpyConvert, Bf16OneIs3F80) {
  const NpyArray a = npy_from_float({1.0f}, {1}, "<u2");
  EXPECT_EQ(a.descr, "<u2");
  ASSERT_EQ(a.data.size(), 2u);
  EXPECT_EQ(a.data[0], 0x80);  // little-endian 0x3F80
  EXPECT_EQ(a.data[1], 0x3F);
  EXPECT_EQ(npy_to_float(a), std::vector<float>{1.0f});
}

TEST(NpyConvert, Bf16RoundsTiesToEven) {
  // 0x3F808000 = 1 + 2^-8 lies exactly halfway between bf16 0x3F80 and 0x3F81: even 0x3F80 wins.
  // 0x3F818000 lies halfway between 0x3F81 and 0x3F82: even 0x3F82 wins (rounds up).
  // Just above a tie rounds up.
  const auto bf16_of = [](uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, 4);
    return first_u16(npy_from_float({f}, {}, "<u2"));
  };
  EXPECT_EQ(bf16_of(0x3F808000u), 0x3F80);
  EXPECT_EQ(bf16_of(0x3F818000u), 0x3F82);
  EXPECT_EQ(bf16_of(0x3F808001u), 0x3F81);
}

TEST(NpyConvert, HalfAndDouble) {
  EXPECT_EQ(first_u16(npy_from_float({1.0f}, {1}, "<f2")), 0x3C00);
  EXPECT_EQ(first_u16(npy_from_float({-2.0f}, {1}, "<f2")), 0xC000);
  const NpyArray d = npy_from_float({0.1f, -3.0f}, {2}, "<f8");
  ASSERT_EQ(d.data.size(), 16u);
  double first;
  std::memcpy(&first, d.data.data(), 8);
  EXPECT_EQ(first, double(0.1f));
  EXPECT_EQ(npy_to_float(d), (std::vector<float>{0.1f, -3.0f}));
}

TEST(NpyConvert, RejectsUnsupportedDtypes) {
  EXPECT_THROW(npy_to_float(NpyArray{"<i4", {1}, Bytes(4)}), UserError);
  EXPECT_THROW(npy_to_float(NpyArray{"|u1", {1}, Bytes(1)}), UserError);
  EXPECT_THROW(npy_from_float({1.f}, {1}, "<i4"), UserError);
  EXPECT_THROW(npy_from_float({1.f}, {1}, ">f4"), UserError);
}

}  // namespace
}  // namespace attnlab
