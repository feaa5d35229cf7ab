#pragma once
// `attnlab tune --profile-top N`: profile the tuner's N best configs (built-in kernel only) and put each
// finalist's verdict into evo_best.json's "top" entries. The profiler is a parameter (tests pass a fake).
#include <nlohmann/json.hpp>

#include <functional>

#include "profile/profile.hpp"

namespace attnlab::profile {

using ProfileFn = std::function<ProfileResult(const ProfileRequest&)>;

// For the first n entries of evo_best["top"] without a source_file: runs profile(base with that config)
// and sets entry["profile"] = {verdict, main kernel metrics, json path} or {"error": one line}.
// Returns how many were profiled successfully.
int profile_finalists(nlohmann::json& evo_best, int n, const ProfileRequest& base, const ProfileFn& profile);

}  // namespace attnlab::profile
