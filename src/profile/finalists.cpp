#include "profile/finalists.hpp"

#include "core/error.hpp"

namespace attnlab::profile {

int profile_finalists(nlohmann::json& evo_best, int n, const ProfileRequest& base, const ProfileFn& profile) {
  int done = 0, tried = 0;
  if (!evo_best.contains("top")) return 0;
  for (auto& entry : evo_best["top"]) {
    if (tried >= n) break;
    if (!entry.value("source_file", "").empty()) continue;  // a proposer's source: not the built-in kernel
    ++tried;
    ProfileRequest req = base;
    req.launch.backend = "custom";
    req.launch.config = entry.at("config").get<std::string>();
    try {
      const ProfileResult r = profile(req);
      for (const auto& k : r.kernels)
        if (k.main)
          entry["profile"] = {{"verdict", to_json(k.verdict)}, {"kernel", k.kernel.name}, {"metrics", k.kernel.metrics},
                              {"metric_set", r.metric_set}, {"json", r.json_path}};
      ++done;
    } catch (const UserError& e) {
      entry["profile"] = {{"error", e.what()}};
    }
  }
  return done;
}

}  // namespace attnlab::profile
