#pragma once
// Keyed hashes of device buffers (kernels/harness/keyed_hash.cuh): what the verification of timed launches
// compares after every sample instead of downloading whole outputs. One launch of the harness kernel hashes
// every range; the 8-byte results come back through pinned memory. The kernel's name starts with
// "attnlab_harness_", which the kernel trace leaves out of a sample's kernel time.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace attnlab {

struct DeviceRange {
  const void* ptr;
  size_t bytes;  // a multiple of 4 (every buffer attnlab hashes is)
};

class BufferHasher {
 public:
  BufferHasher();  // compiles (cached) and loads the harness kernel for the current device
  ~BufferHasher();
  BufferHasher(const BufferHasher&) = delete;
  BufferHasher& operator=(const BufferHasher&) = delete;
  // Hashes every range on `stream` and waits for the results (one per range, in order).
  std::vector<uint64_t> hash(const std::vector<DeviceRange>& ranges, uint64_t key, cudaStream_t stream);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The same function on the host (tests; small buffers). `bytes` a multiple of 4.
uint64_t host_keyed_hash(const void* data, size_t bytes, uint64_t key);

}  // namespace attnlab
