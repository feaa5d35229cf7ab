#pragma once
// Parsing of problem shapes given on the command line.
#include <string>

#include "core/problem.hpp"

namespace attnlab::cli {

// "B,H,Sq,Sk,d" or "B,H,S,d"; UserError on anything else.
AttnProblem parse_shape(const std::string& text);

}  // namespace attnlab::cli
