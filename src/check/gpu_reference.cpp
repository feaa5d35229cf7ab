#include "check/gpu_reference.hpp"

#include "runtime/module.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace attnlab {

void gpu_reference(const AttnProblem& p, const AttnTensors& t, const std::string& arch, cudaStream_t stream) {
  p.validate_or_throw();
  auto compiled = compile({"attention_ref", "#include \"reference/attention_ref.cuh\"\n", arch, {}});
  auto kernel = load_kernel(compiled, "attnlab_attention_ref");
  FlashFwdParams params = make_flash_params(p, t);
  int is_bf16 = p.dtype == DType::bf16, d = p.head_dim;
  void* args[] = {&params, &is_bf16, &d};
  kernel->launch(dim3(p.seqlen_q, p.heads, p.batch), dim3(128), 0, stream, args);
}

}  // namespace attnlab
