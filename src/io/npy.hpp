#pragma once
// NumPy .npy files: how `attnlab run` takes Q/K/V from Python and hands O/LSE back. Reads format
// versions 1.0, 2.0 and 3.0, writes 1.0 (what np.save writes for ordinary arrays). Only plain
// little-endian, C-order numeric arrays are accepted; anything else is a UserError naming the file,
// so a user sees what to change on the NumPy side instead of garbage numbers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace attnlab {

struct NpyArray {
  // NumPy dtype string, normalised on read: '<' for multi-byte types ("<f2", "<f4", "<f8", "<u2", ...),
  // '|' for one-byte types ("|u1"), as np.save writes them. bf16 has no NumPy dtype and travels as "<u2".
  std::string descr;
  std::vector<int64_t> shape;  // empty for a 0-d array
  std::vector<uint8_t> data;   // raw little-endian bytes, C order, numel() * elem_size() of them

  size_t elem_size() const;  // from descr; UserError if descr is not a plain numeric dtype
  int64_t numel() const;     // product of shape (1 for 0-d)
};

// The header alone (dtype and shape, checked; the byte size of the data fits int64): a caller can
// validate the shape before any data is read or memory reserved for it. Throws UserError.
NpyArray read_npy_header(const std::string& path);
// Header and data. The declared size is checked against the file's size when the file is a regular
// file, and against this machine's memory always; from a pipe the data is read in chunks, so a short
// stream that declares gigabytes fails after reading what it has, not after allocating what it claims.
NpyArray read_npy(const std::string& path);                  // throws UserError
void write_npy(const std::string& path, const NpyArray& a);  // UserError if the file cannot be written

// Conversions used by `attnlab run`. npy_to_float accepts <f2 (IEEE half), <f4, <f8 and <u2 (read as
// bfloat16 bit patterns); any other dtype is a UserError with float_descr_problem's reason, which a
// caller checks with the header (before any data is read).
std::string float_descr_problem(const std::string& descr);  // empty for the four above
std::vector<float> npy_to_float(const NpyArray& a);
// descr "<f2", "<f4", "<f8" or "<u2" (bf16 bits, round to nearest even); v.size() must equal the
// product of shape (std::invalid_argument otherwise: that is a caller bug, not a user error).
NpyArray npy_from_float(const std::vector<float>& v, std::vector<int64_t> shape, const std::string& descr);

}  // namespace attnlab
