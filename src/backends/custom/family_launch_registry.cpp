#include <map>
#include <mutex>

#include <fmt/format.h>

#include "backends/custom/family_launch.hpp"

namespace attnlab {

namespace {
struct Registry {
  std::mutex mu;
  std::map<int, const FamilyLaunch*> launch{{Family::sm80.id, &sm80_family_launch()}, {Family::sm90.id, &sm90_family_launch()}};
};
Registry& registry() {
  static Registry r;
  return r;
}
}  // namespace

const FamilyLaunch& family_launch(Family f) {
  Registry& r = registry();
  std::lock_guard lk(r.mu);
  auto it = r.launch.find(f.id);
  if (it == r.launch.end()) throw std::logic_error(fmt::format("kernel family #{} has no launch side registered", f.id));
  return *it->second;
}

void register_family_launch(Family f, const FamilyLaunch& launch) {
  Registry& r = registry();
  std::lock_guard lk(r.mu);
  if (!r.launch.emplace(f.id, &launch).second)
    throw std::logic_error(fmt::format("kernel family #{} has a launch side already", f.id));
}

LaunchDims launch_dims(const TileConfig& cfg, const AttnProblem& p, long long resident_slots) {
  return family_launch(cfg.family).launch_dims(cfg, p, resident_slots);
}

}  // namespace attnlab
