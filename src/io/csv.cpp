#include "io/csv.hpp"

namespace attnlab {

// One CSV record; quoted fields may hold commas, doubled quotes and newlines (compile logs do).
bool read_csv_record(std::istream& in, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false, any = false;
  char c;
  while (in.get(c)) {
    any = true;
    if (quoted) {
      if (c == '"') {
        if (in.peek() == '"') field += static_cast<char>(in.get());
        else quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      break;
    } else if (c != '\r') {
      field += c;
    }
  }
  if (!any) return false;
  fields.push_back(std::move(field));
  return true;
}

}  // namespace attnlab
