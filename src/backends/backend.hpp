#pragma once
// Every attention implementation that attnlab checks and times sits behind this interface: the custom
// kernel family, cuDNN SDPA, the unfused cuBLAS path. Baselines are just more implementations behind the
// same dispatch, gated by the same checker and timed by the same core.
#include <cuda_runtime_api.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/custom/flash_kernel.hpp"  // AttnTensors
#include "core/problem.hpp"

namespace attnlab {

class AttentionBackend {
 public:
  virtual ~AttentionBackend() = default;
  virtual std::string name() const = 0;  // "custom", "cudnn", "unfused"
  // Version / configuration, recorded with every result ("cuDNN 9.13.0, engine 7", "m128n64w4s2-swz-qsm").
  virtual std::string describe() const = 0;
  // Empty when the problem is supported, else a one-line reason (reported as "skipped: ...").
  virtual std::string supports(const AttnProblem& p) const = 0;
  // Builds plans / allocates workspace for this problem; may be called again with another problem.
  virtual void prepare(const AttnProblem& p) = 0;
  // Enqueues one forward pass. Tensors: Q/O (B,Sq,H,d), K/V (B,Sk,Hk,d) contiguous; LSE (B,H,Sq) fp32.
  virtual void run(const AttnProblem& p, const AttnTensors& t, cudaStream_t stream) = 0;
};

// A QK^T GEMM alone (the seed's "CUTLASS baseline"): S[i] = Q[i] K[i]^T for i < B*H with Q (B*H, Sq, d),
// K (B*H, Sk, d) contiguous row-major, S (B*H, Sq, Sk) fp32, dtype bf16/fp16 inputs. 2*B*H*Sq*Sk*d FLOP.
struct GemmProblem {
  int batch = 1;  // B*H
  int m = 1;      // Sq
  int n = 1;      // Sk
  int k = 64;     // d
  DType dtype = DType::bf16;
  double flops() const { return 2.0 * batch * double(m) * n * k; }
};

class GemmBackend {
 public:
  virtual ~GemmBackend() = default;
  virtual std::string name() const = 0;  // "cublas-qk", "cutlass-qk"
  virtual std::string describe() const = 0;
  virtual std::string supports(const GemmProblem& p) const = 0;
  virtual void prepare(const GemmProblem& p) = 0;
  virtual void run(const GemmProblem& p, const void* a, const void* b, float* c, cudaStream_t stream) = 0;
};

// Registry: backends register a factory under their name; the CLI lists and creates them by name.
using AttentionFactory = std::function<std::unique_ptr<AttentionBackend>(const std::string& options)>;
using GemmFactory = std::function<std::unique_ptr<GemmBackend>()>;
struct BackendRegistry {
  std::map<std::string, AttentionFactory> attention;
  std::map<std::string, GemmFactory> gemm;
  // The library versions the registered backends run on ("cudnn": "9.14.0", "cublaslt": ...), as loaded at
  // run time: every evidence file's environment lists them (measure/environment.hpp).
  std::map<std::string, std::string> library_versions;
};
BackendRegistry& backend_registry();
std::unique_ptr<AttentionBackend> make_attention_backend(const std::string& name, const std::string& options = "");
std::unique_ptr<GemmBackend> make_gemm_backend(const std::string& name);
std::vector<std::string> attention_backend_names();
std::vector<std::string> gemm_backend_names();
std::map<std::string, std::string> backend_library_versions();

}  // namespace attnlab
