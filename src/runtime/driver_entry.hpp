#pragma once
// Where the driver API's entry points come from (runtime/driver_api.cpp's table). Two definitions, one per
// binary: attnlab resolves them through cudart (driver_entry_cudart.cpp, runtime layer); the exported library,
// which links no cudart, through dlopen("libcuda.so.1") (export/library/cuda_driver.cpp). Only one of them is ever
// linked into a binary (CMakeLists.txt: attnlab_flash_rt).
namespace attnlab::driver {

// The entry point of `symbol` for CUDA 12.0's ABI; std::runtime_error naming it when there is none.
void* entry_point(const char* symbol);

}  // namespace attnlab::driver
