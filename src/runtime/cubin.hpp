#pragma once
// A compiled kernel as the runtime loads it (runtime/module.hpp): the cubin and what ptxas reported. Made by
// NVRTC (runtime/nvrtc_compiler.hpp) or carried in an exported library; loading it needs no compiler.
#include <string>

namespace attnlab {

// From the ptxas report (--ptxas-options=-v).
struct KernelResources {
  int registers = -1;
  int static_smem = 0;
  int stack_frame = 0;
  int spill_stores = 0;
  int spill_loads = 0;
  int barriers = 0;
};

struct CompiledKernel {
  std::string key;    // 32 hex digits
  std::string cubin;  // bytes
  std::string log;    // NVRTC + ptxas log
  KernelResources resources;
  bool from_cache = false;
};

}  // namespace attnlab
