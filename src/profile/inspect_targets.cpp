#include "profile/inspect_targets.hpp"

#include "backends/custom/family.hpp"

#include <atomic>
#include <exception>
#include <thread>

#include "backends/custom/flash_kernel.hpp"
#include "core/error.hpp"
#include "core/problem.hpp"

namespace attnlab::profile {

namespace {
// Runs f(i) for i < n on up to hardware_concurrency threads; rethrows the first exception.
template <class F>
void parallel_for(size_t n, F f) {
  std::atomic<size_t> next{0};
  std::exception_ptr first;
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (size_t i; !failed && (i = next.fetch_add(1)) < n;) {
      try {
        f(i);
      } catch (...) {
        if (!failed.exchange(true)) first = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  const size_t t = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), n);
  for (size_t k = 0; k < t; ++k) pool.emplace_back(worker);
  for (auto& th : pool) th.join();
  if (first) std::rethrow_exception(first);
}
}  // namespace

std::vector<InspectTarget> family_targets(const InspectRequest& req, Family family) {
  const ArchLimits limits = ArchLimits::for_arch(req.arch);
  std::vector<TileConfig> configs;
  if (req.all) configs = valid_space(req.head_dim, limits, KnobValues::of(family, req.space));
  for (const auto& name : req.configs) {
    TileConfig c = TileConfig::parse(name);
    if (c.family == family) configs.push_back(c);
  }
  if (!req.all && req.configs.empty() && family_spec(family).arch_problem(limits).empty())
    configs.push_back(default_config(req.head_dim, limits, family));
  std::vector<InspectTarget> targets(configs.size());
  parallel_for(configs.size(), [&](size_t i) {
    const TileConfig& c = configs[i];
    InspectTarget& t = targets[i];
    t.name = c.name();
    t.family = family_name(family);
    for (size_t k = 0; k < c.knobs.size(); ++k) t.knobs[family_knobs(family)[k].name] = c.knobs[k];  // as declared
    t.kernel = compile_flash(c, req.dtype, req.head_dim, req.arch);  // UserError when invalid for the arch
    t.dyn_smem = c.smem_bytes(req.head_dim);
    t.threads = c.threads();
  });
  return targets;
}

std::vector<InspectTarget> sm80_targets(const InspectRequest& req) { return family_targets(req, Family::sm80); }

std::vector<InspectTarget> build_targets(const InspectRequest& req) {
  std::vector<InspectTarget> out;
  for (Family f : all_families()) {
    if (!req.family.empty() && req.family != family_name(f)) continue;
    if (!family_spec(f).arch_problem(ArchLimits::for_arch(req.arch)).empty()) continue;  // e.g. sm90 on sm_80
    auto t = family_targets(req, f);
    out.insert(out.end(), std::make_move_iterator(t.begin()), std::make_move_iterator(t.end()));
  }
  return out;
}

InspectReport run_inspect(const InspectRequest& req) {
  if (!is_supported_head_dim(req.head_dim))
    throw UserError("unsupported head dim " + std::to_string(req.head_dim) + " (supported: " + supported_head_dims() + ")");
  const SmLimits sm = SmLimits::for_arch(req.arch);  // validates the arch before compiling anything
  InspectReport r;
  r.arch = req.arch;
  r.head_dim = req.head_dim;
  r.dtype = dtype_name(req.dtype);
  if (req.sass) {
    r.disassembler = find_disassembler();
    if (r.disassembler.empty()) r.sass_error = "nvdisasm not found (pip wheel nvidia-cuda-nvdisasm, or set NVDISASM_PATH)";
  }
  const bool sass = req.sass && !r.disassembler.empty();
  r.rows = inspect_targets(build_targets(req), sm, sass, &r.sass_error);
  r.dead = find_dead_knobs(r.rows);
  return r;
}

}  // namespace attnlab::profile
