// The custom kernel family behind the AttentionBackend interface. Options: a tile config name (empty:
// the head dim's default for this device).
#include <fmt/format.h>

#include "backends/builtin.hpp"
#include "core/parse.hpp"
#include "runtime/device.hpp"

namespace attnlab {

namespace {
class CustomBackend : public AttentionBackend {
 public:
  explicit CustomBackend(std::string options) : options_(std::move(options)) {}
  std::string name() const override { return "custom"; }
  std::string describe() const override { return kernel_ ? kernel_->config().name() : options_; }
  std::string supports(const AttnProblem& p) const override { return p.validate(); }
  void prepare(const AttnProblem& p) override {
    p.validate_or_throw();
    const DeviceInfo dev = require_device();
    const ArchLimits limits{dev.arch(), dev.smem_per_block_optin};
    const TileConfig cfg = options_.empty() ? default_config(p.head_dim, limits) : with_context(field_value("config", options_), [&] { return TileConfig::parse(options_); });
    if (!kernel_ || !(kernel_->config() == cfg) || dtype_ != p.dtype || head_dim_ != p.head_dim) {
      kernel_ = std::make_unique<FlashKernel>(cfg, p.dtype, p.head_dim, dev.arch());
      dtype_ = p.dtype;
      head_dim_ = p.head_dim;
    }
  }
  void run(const AttnProblem& p, const AttnTensors& t, cudaStream_t s) override { kernel_->run(p, t, s); }

 private:
  std::string options_;
  std::unique_ptr<FlashKernel> kernel_;
  DType dtype_ = DType::bf16;
  int head_dim_ = 0;
};
}  // namespace

void register_custom_backend(BackendRegistry& r) {
  r.attention["custom"] = [](const std::string& opts) { return std::make_unique<CustomBackend>(opts); };
}

}  // namespace attnlab
