// The custom kernel families behind the AttentionBackend interface. Options: a tile config name, or
// "family=sm80|sm90" alone for that family's default (empty: the best family's default for this device,
// head dim and mask), or "dispatch=PATH" for the config a campaign's dispatch table (docs/dispatch.md) holds for
// each problem, the family's default where it holds none (said on stderr). "custom-sm80" is the sm80 family's default, for comparisons on sm_90.
#include <fmt/format.h>

#include <optional>

#include "backends/builtin.hpp"
#include "backends/custom/dispatch_table.hpp"
#include "core/parse.hpp"
#include "core/problem.hpp"
#include "runtime/device.hpp"

namespace attnlab {

namespace {
class CustomBackend : public AttentionBackend {
 public:
  CustomBackend(std::string name, std::string options) : name_(std::move(name)), options_(std::move(options)) {
    if (options_.rfind("dispatch=", 0) == 0) table_ = read_dispatch_file(options_.substr(9));  // before any GPU work
  }
  std::string name() const override { return name_; }
  std::string describe() const override { return kernel_ ? kernel_->config().name() : options_; }
  std::string supports(const AttnProblem& p) const override { return p.validate(); }
  void prepare(const AttnProblem& p) override {
    p.validate_or_throw();
    const DeviceInfo dev = require_device();
    const ArchLimits limits{dev.arch(), dev.smem_per_block_optin};
    sm_count_ = dev.sm_count;
    const TileConfig cfg = config_for(p, limits);
    if (!kernel_ || !(kernel_->config() == cfg) || dtype_ != p.dtype || head_dim_ != p.head_dim) {
      kernel_ = std::make_unique<FlashKernel>(cfg, p.dtype, p.head_dim, dev.arch());
      dtype_ = p.dtype;
      head_dim_ = p.head_dim;
    }
  }
  void run(const AttnProblem& p, const AttnTensors& t, cudaStream_t s) override { kernel_->run(p, t, s); }

 private:
  TileConfig config_for(const AttnProblem& p, const ArchLimits& limits) const {
    if (options_.empty()) return default_config_for(p, limits, limits.best_family(), sm_count_);
    if (table_) {
      DispatchChoice c = choose_config(*table_, p, limits, sm_count_);
      if (c.note != last_note_) fmt::print(stderr, "{}\n", c.note);
      last_note_ = c.note;
      return c.config;
    }
    if (options_.rfind("family=", 0) == 0 && options_.find(',') == std::string::npos)
      return default_config_for(p, limits, parse_family(options_.substr(7)), sm_count_);
    return with_context(field_value("config", options_), [&] { return TileConfig::parse(options_); });
  }
  std::string name_;
  std::string options_;
  std::optional<DispatchTable> table_;
  mutable std::string last_note_;
  int sm_count_ = 0;
  std::unique_ptr<FlashKernel> kernel_;
  DType dtype_ = DType::bf16;
  int head_dim_ = 0;
};
}  // namespace

void register_custom_backend(BackendRegistry& r) {
  r.attention["custom"] = [](const std::string& opts) { return std::make_unique<CustomBackend>("custom", opts); };
  r.attention["custom-sm80"] = [](const std::string& opts) {
    return std::make_unique<CustomBackend>("custom-sm80", opts.empty() ? "family=sm80" : opts);
  };
}

}  // namespace attnlab
