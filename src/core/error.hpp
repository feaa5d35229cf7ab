#pragma once
// One exception type for everything a user can cause (bad shapes, missing files, no GPU): the CLI prints
// its message as a single line and exits non-zero. Internal bugs use std::logic_error.
#include <stdexcept>
#include <string>

namespace attnlab {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace attnlab
