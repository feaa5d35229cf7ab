#pragma once
// Running Nsight Compute on attnlab itself: the ncu command line (CSV raw page, base units, clocks left
// alone, only kernels inside attnlab's NVTX range), one-line diagnoses of ncu failures, and retries
// without metrics this ncu/GPU does not know.
#include <string>
#include <vector>

#include "core/process.hpp"
#include "profile/ncu_csv.hpp"
#include "profile/tools.hpp"

namespace attnlab::profile {

inline constexpr const char* kProfileRange = "attnlab_profile";  // NVTX push/pop range of the profiled launch

// $NCU_PATH (folder or file), $CUDA_HOME/bin, /usr/local/cuda/bin, PATH; empty when none.
std::string find_ncu();
// find_ncu(), or a one-line UserError naming the fix.
std::string require_ncu();

std::vector<std::string> ncu_command(const std::string& ncu, const std::vector<std::string>& metrics,
                                     const std::vector<std::string>& app_argv);

// Empty when the run produced a CSV; else one line saying what went wrong and how to fix it.
std::string ncu_failure(const ProcessResult& r);
// Metrics of `requested` that ncu's output says it cannot find (unknown on this GPU / version).
std::vector<std::string> unknown_metrics(const std::string& ncu_output, const std::vector<std::string>& requested);

struct NcuRun {
  std::vector<std::string> command;
  std::string output;                        // ncu's stdout (the CSV and ==PROF== lines)
  std::vector<NcuKernel> kernels;
  std::vector<std::string> dropped_metrics;  // unknown to this ncu: removed, and the run retried
};
// UserError (one line, naming the fix) when ncu is missing, lacks counter permission, profiles nothing, ...
NcuRun run_ncu(const std::vector<std::string>& metrics, const std::vector<std::string>& app_argv, double timeout_s);

}  // namespace attnlab::profile
