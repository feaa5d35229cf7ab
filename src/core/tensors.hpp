#pragma once
// Device pointers of one attention call (layouts as in AttnProblem, core/problem.hpp): what every backend,
// the gate and the timing core pass around.
namespace attnlab {

struct AttnTensors {
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  void* o = nullptr;
  float* lse = nullptr;
};

}  // namespace attnlab
