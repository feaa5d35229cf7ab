#include "check/buffer_hash.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "harness/keyed_hash.cuh"
#include "runtime/cuda_check.hpp"
#include "runtime/device.hpp"
#include "runtime/device_buffer.hpp"
#include "runtime/module.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace attnlab {

namespace {
constexpr int kThreads = 256;
void require_words(size_t bytes) {
  if (bytes % 4) throw std::logic_error("keyed hash: " + std::to_string(bytes) + " bytes is not a whole number of 32-bit words");
}
}  // namespace

struct BufferHasher::Impl {
  std::shared_ptr<LoadedKernel> kernel;
  int sms = 1;
  DeviceBuffer table, sums;  // the ranges and the per-range sums on the device, grown as needed
  uint64_t* host_sums = nullptr;  // pinned
  size_t capacity = 0;
};

BufferHasher::BufferHasher() : impl_(std::make_unique<Impl>()) {
  int device = 0;
  ATTN_CUDA(cudaGetDevice(&device));
  const auto info = query_device(device);
  if (!info) throw std::runtime_error("BufferHasher: no CUDA device");
  impl_->sms = std::max(1, info->sm_count);
  const CompiledKernel k = compile({"attnlab_harness_hash", "#include \"harness/keyed_hash.cuh\"\n", info->arch(), {}});
  impl_->kernel = load_kernel(k, "attnlab_harness_hash");
}

BufferHasher::~BufferHasher() {
  if (impl_ && impl_->host_sums) cudaFreeHost(impl_->host_sums);
}

std::vector<uint64_t> BufferHasher::hash(const std::vector<DeviceRange>& ranges, uint64_t key, cudaStream_t stream) {
  if (ranges.empty()) return {};
  if (ranges.size() > 65535) throw std::logic_error("keyed hash: more than 65535 ranges in one launch");
  Impl& m = *impl_;
  if (ranges.size() > m.capacity) {
    if (m.host_sums) ATTN_CUDA(cudaFreeHost(m.host_sums));
    m.host_sums = nullptr;
    m.capacity = ranges.size();
    m.table = DeviceBuffer(m.capacity * sizeof(harness::HashRange));
    m.sums = DeviceBuffer(m.capacity * sizeof(uint64_t));
    ATTN_CUDA(cudaHostAlloc(reinterpret_cast<void**>(&m.host_sums), m.capacity * sizeof(uint64_t), cudaHostAllocDefault));
  }
  std::vector<harness::HashRange> table;
  uint64_t most = 0;
  for (const auto& r : ranges) {
    require_words(r.bytes);
    table.push_back({static_cast<const u32*>(r.ptr), r.bytes / 4});
    most = std::max<uint64_t>(most, r.bytes / 4);
  }
  // The table travels with the stream's work (pageable source: the copy is staged before the call returns).
  ATTN_CUDA(cudaMemcpyAsync(m.table.get(), table.data(), table.size() * sizeof(table[0]), cudaMemcpyHostToDevice, stream));
  ATTN_CUDA(cudaMemsetAsync(m.sums.get(), 0, ranges.size() * sizeof(uint64_t), stream));
  const uint64_t blocks = std::clamp<uint64_t>((most + kThreads * 8 - 1) / (kThreads * 8), 1, uint64_t(m.sms) * 8);
  const harness::HashRange* table_dev = m.table.as<harness::HashRange>();
  uint64_t* sums_dev = m.sums.as<uint64_t>();
  void* args[] = {&table_dev, &key, &sums_dev};
  m.kernel->launch(dim3(unsigned(blocks), unsigned(ranges.size())), dim3(kThreads), 0, stream, args);
  ATTN_CUDA(cudaMemcpyAsync(m.host_sums, sums_dev, ranges.size() * sizeof(uint64_t), cudaMemcpyDeviceToHost, stream));
  ATTN_CUDA(cudaStreamSynchronize(stream));
  return {m.host_sums, m.host_sums + ranges.size()};
}

uint64_t host_keyed_hash(const void* data, size_t bytes, uint64_t key) {
  require_words(bytes);
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t acc = 0;
  for (size_t i = 0; i < bytes / 4; ++i) {
    uint32_t w;
    std::memcpy(&w, p + 4 * i, 4);
    acc += harness::hash_term(key, i, w);
  }
  return acc;
}

}  // namespace attnlab
