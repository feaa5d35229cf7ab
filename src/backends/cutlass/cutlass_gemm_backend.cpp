// "cutlass-qk": GemmProblem (S[i] = Q[i] K[i]^T, fp32 S) through the ahead-of-time CUTLASS kernels of
// cutlass_qk.hpp. C++20 side of the seam: it only sees the plain functions, never CUTLASS headers.
// Compiled only when CMake found CUTLASS and nvcc (ATTNLAB_WITH_CUTLASS); the file is globbed into
// attnlab_core either way, hence the guard.
#ifdef ATTNLAB_WITH_CUTLASS
#include <fmt/format.h>

#include <memory>
#include <stdexcept>

#include "backends/builtin.hpp"
#include "backends/cutlass/cutlass_qk.hpp"
#include "runtime/device.hpp"
#include "runtime/device_buffer.hpp"

namespace attnlab {

namespace {
class CutlassQkBackend : public GemmBackend {
 public:
  std::string name() const override { return "cutlass-qk"; }
  std::string describe() const override {
    return fmt::format("{}, {}", cutlass_qk_version(), cutlass_qk_kernel_name(kernel_));
  }
  std::string supports(const GemmProblem& p) const override {
    std::string why;
    const auto dev = query_device(0, &why);
    if (!dev) return "no CUDA device: " + why;
    char buf[256] = "";
    if (cutlass_qk_select(args(p, *dev), buf, sizeof buf) == CutlassQkKernel::none) return buf;
    return {};
  }
  void prepare(const GemmProblem& p) override {
    dev_ = require_device();
    char buf[256] = "";
    const CutlassQkArgs a = args(p, dev_);
    kernel_ = cutlass_qk_select(a, buf, sizeof buf);
    if (kernel_ == CutlassQkKernel::none) throw std::invalid_argument(fmt::format("cutlass-qk: {}", buf));
    const size_t ws = cutlass_qk_workspace_size(a);
    if (ws > workspace_.bytes()) workspace_ = DeviceBuffer(ws);
    prepared_ = true;
  }
  void run(const GemmProblem& p, const void* a, const void* b, float* c, cudaStream_t stream) override {
    if (!prepared_) prepare(p);
    CutlassQkArgs args_ = args(p, dev_);
    args_.q = a;
    args_.k_mat = b;
    args_.s = c;
    // The pointers may steer the choice (alignment), so the kernel name follows the actual call.
    kernel_ = cutlass_qk_select(args_, nullptr, 0);
    const size_t ws = cutlass_qk_workspace_size(args_);
    if (ws > workspace_.bytes()) workspace_ = DeviceBuffer(ws);
    char err[512] = "";
    const cudaError_t e = cutlass_qk_gemm(args_, workspace_.get(), workspace_.bytes(), stream, err, sizeof err);
    if (e != cudaSuccess) throw std::runtime_error(fmt::format("cutlass-qk: {} ({})", err, cudaGetErrorName(e)));
  }

 private:
  static CutlassQkArgs args(const GemmProblem& p, const DeviceInfo& dev) {
    CutlassQkArgs a;
    a.arch_major = dev.cc_major;
    a.arch_minor = dev.cc_minor;
    a.dtype_bf16 = p.dtype == DType::bf16 ? 1 : 0;
    a.batch = p.batch;
    a.m = p.m;
    a.n = p.n;
    a.k = p.k;
    return a;
  }
  DeviceInfo dev_;
  CutlassQkKernel kernel_ = CutlassQkKernel::none;
  DeviceBuffer workspace_;
  bool prepared_ = false;
};
}  // namespace

void register_cutlass_gemm_backend(BackendRegistry& r) {
  r.gemm["cutlass-qk"] = [] { return std::make_unique<CutlassQkBackend>(); };
}

}  // namespace attnlab
#endif  // ATTNLAB_WITH_CUTLASS
