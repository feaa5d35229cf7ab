#pragma once
// `attnlab profile`: Nsight Compute on one backend and shape, metrics parsed, a verdict per kernel,
// raw CSV + JSON summary written, metrics stored in the results DB.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "profile/ncu_csv.hpp"
#include "profile/profile_launch.hpp"
#include "profile/verdict.hpp"

namespace attnlab::profile {

struct ProfileRequest {
  LaunchSpec launch;
  std::string metric_set = "brief";  // brief | full
  std::string out_dir = ".";
  std::string db;                    // results DB path; empty: not stored
  bool ceilings = true;              // roofline against `attnlab ceilings` (measured once per GPU, cached)
  double timeout_s = 540;
};

struct ProfiledKernel {
  NcuKernel kernel;
  Verdict verdict;
  bool main = false;  // the longest kernel of the launch: the one the FLOPs are charged to
};

struct ProfileResult {
  std::string backend, describe, arch, metric_set, shape;
  double flops = 0, peak_tflops = 0, dram_gbps = 0;
  std::vector<ProfiledKernel> kernels;
  std::vector<std::string> dropped_metrics;
  std::string csv_path, json_path;
};

// Pure: verdicts for the kernels of one launch; the FLOPs go to the longest kernel, the others get none.
std::vector<ProfiledKernel> judge_kernels(const std::vector<NcuKernel>& kernels, double flops, double peak_tflops,
                                          double dram_gbps);
// The backend's describe() as the profiled child printed it ("attnlab-profile-launch: <text>"), or "".
std::string launch_description(const std::string& ncu_output);
inline constexpr const char* kDescribePrefix = "attnlab-profile-launch: ";
// File name stem: "custom_B4_H16_S4096_d128_bf16" (+ "_causal").
std::string profile_stem(const std::string& backend, const AttnProblem& p);

nlohmann::json to_json(const ProfileResult& r);
void print_profile(const ProfileResult& r, std::FILE* out);

// What the profile records about the machine: the device's arch / UUID / driver and measured ceilings.
struct ProfileEnv {
  std::string arch, gpu_uuid, driver;
  double peak_tflops = 0, dram_gbps = 0;  // 0: no roofline
};
ProfileEnv device_profile_env(const ProfileRequest& req);  // needs a GPU

// Needs a GPU and ncu; UserError with a one-line reason otherwise. self_exe: the attnlab binary to profile.
ProfileResult run_profile(const ProfileRequest& req, const std::string& self_exe);
// The same with the machine facts given: runs ncu (found as usual; tests put a fake on NCU_PATH), parses,
// judges, writes the CSV and JSON, stores in the DB.
ProfileResult run_profile(const ProfileRequest& req, const ProfileEnv& env, const std::string& self_exe);

}  // namespace attnlab::profile
