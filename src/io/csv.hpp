#pragma once
// Reading CSV (RFC 4180): quoted fields may hold commas, doubled quotes and newlines.
#include <istream>
#include <string>
#include <vector>

namespace attnlab {

// Reads one record from `in` into `fields`; false at end of input.
bool read_csv_record(std::istream& in, std::vector<std::string>& fields);

}  // namespace attnlab
