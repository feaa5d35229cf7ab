#pragma once
// The stream blocker (after nvbench's blocking_kernel): a one-thread kernel that spins until the host
// releases it through mapped host memory. Enqueued before a sample's flush and start event, it holds the
// stream while the host enqueues flush, start, launch and stop; once released, the GPU runs them back
// to back, so the events time GPU work and never the host's launch overhead (which for a kernel of a few
// µs is as long as the kernel). It gives up after a timeout (a launch that synchronizes would deadlock)
// and says so; the timing core then warns and stops using it.
#include <cuda_runtime_api.h>

#include <memory>

namespace attnlab {

class StreamBlocker {
 public:
  StreamBlocker();  // compiles (NVRTC, cached) and loads the kernel; CUDA errors throw
  ~StreamBlocker();
  StreamBlocker(const StreamBlocker&) = delete;
  StreamBlocker& operator=(const StreamBlocker&) = delete;
  void block(cudaStream_t stream, double timeout_s = 0.5);  // enqueue the spin
  void release();                                             // let it go (host side)
  bool timed_out() const;                                     // the last spin gave up before release()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attnlab
