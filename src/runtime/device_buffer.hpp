#pragma once
// Owning device allocation (cudaMalloc; never managed memory) with checked host<->device copies.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "runtime/cuda_check.hpp"

namespace attnlab {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
    if (bytes) ATTN_CUDA(cudaMalloc(&ptr_, bytes));
  }
  ~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return ptr_; }
  template <class T>
  T* as() const { return static_cast<T*>(ptr_); }
  size_t bytes() const { return bytes_; }

  // The host vector must fill the buffer exactly: a size computed from another shape is a caller bug.
  template <class T>
  void upload(const std::vector<T>& h) {
    if (h.size() * sizeof(T) != bytes_)
      throw std::logic_error("DeviceBuffer::upload: " + std::to_string(h.size() * sizeof(T)) + " host bytes into a " +
                             std::to_string(bytes_) + "-byte buffer");
    ATTN_CUDA(cudaMemcpy(ptr_, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  template <class T>
  std::vector<T> download(size_t count) const {
    std::vector<T> h(count);
    ATTN_CUDA(cudaMemcpy(h.data(), ptr_, count * sizeof(T), cudaMemcpyDeviceToHost));
    return h;
  }
  // Every byte = value (0xFF makes fp16/bf16/fp32 NaN), so unwritten outputs cannot pass a check.
  void fill_bytes(int value) { ATTN_CUDA(cudaMemset(ptr_, value, bytes_)); }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace attnlab
