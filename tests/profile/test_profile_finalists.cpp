// tune --profile-top: finalists get their verdict in evo_best.json (a fake profiler stands in for ncu).
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "profile/finalists.hpp"
#include "profile/metric_sets.hpp"

namespace attnlab::profile {

TEST(ProfileFinalists, VerdictsGoIntoEvoBest) {
  nlohmann::json best = {{"top",
                          {{{"rank", 1}, {"config", "m128n64w4s2-swz-qsm"}, {"source_file", ""}},
                           {{"rank", 2}, {"config", "m128n64w4s2-swz-qsm"}, {"source_file", "cand_7.cuh"}},
                           {{"rank", 3}, {"config", "m64n64w4s2-swz-qsm"}, {"source_file", ""}},
                           {{"rank", 4}, {"config", "m64n32w4s2-swz-qsm"}, {"source_file", ""}}}}};
  std::vector<std::string> asked;
  ProfileRequest base;
  base.launch.backend = "cudnn";  // replaced: finalists are custom configs
  const int n = profile_finalists(best, 2, base, [&](const ProfileRequest& r) -> ProfileResult {
    asked.push_back(r.launch.backend + ":" + r.launch.config);
    if (r.launch.config == "m64n64w4s2-swz-qsm") throw UserError("ncu has no permission (ERR_NVGPUCTRPERM)");
    ProfileResult res;
    res.metric_set = "brief";
    NcuKernel k;
    k.name = "attnlab_flash_fwd";
    k.metrics = {{metric::kTensorPipePct, 70.0}};
    res.kernels = judge_kernels({k}, 0, 0, 0);
    return res;
  });
  EXPECT_EQ(n, 1);
  EXPECT_EQ(asked, (std::vector<std::string>{"custom:m128n64w4s2-swz-qsm", "custom:m64n64w4s2-swz-qsm"}));
  EXPECT_EQ(best["top"][0]["profile"]["verdict"]["kind"], "tensor-pipe-bound");
  EXPECT_FALSE(best["top"][1].contains("profile"));  // proposer source skipped
  EXPECT_NE(best["top"][2]["profile"]["error"].get<std::string>().find("ERR_NVGPUCTRPERM"), std::string::npos);
  EXPECT_FALSE(best["top"][3].contains("profile"));  // beyond N
}

}  // namespace attnlab::profile
