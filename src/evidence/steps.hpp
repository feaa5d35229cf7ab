#pragma once
// The steps of `attnlab evidence`, in order, each an attnlab subcommand run as a child process with the
// flags scripts/main.sh used: devices (+ env.json) -> ceilings -> check -> micro -> tune (exhaustive,
// seeded, replay) -> compare (+ the tuned config) -> profile (when the binary has it) -> report.
// Without a GPU: devices -> static compile of every config (configs --compile) -> report of the committed
// evidence. The step list is data so the CPU tests can read it.
#include <functional>
#include <string>
#include <vector>

namespace attnlab {

struct EvidenceOptions {
  std::string out;                          // evidence directory (created)
  bool quick = false, resume = false;
  std::string attnlab;                      // the binary (default: this one)
  std::string committed = "evidence/h100";  // rendered without a GPU
  bool committed_given = false;             // --committed named: it must be a folder (checked first)
  bool has_gpu = true;                      // decided by the devices step
  bool has_profile = false;                 // `attnlab profile --help` exits 0
};

struct StepPlan {
  std::vector<std::string> args;  // attnlab arguments (no binary)
  std::string skip;               // non-empty: not run, and why
};

struct Step {
  std::string name;
  double expected_s = 10;            // for the ETA
  std::string stdout_file;           // relative to out; empty: logs/<name>.log
  std::vector<std::string> outputs;  // relative to out: hashed into the manifest
  std::function<StepPlan(const EvidenceOptions&)> plan;
};

std::vector<Step> gpu_steps(const EvidenceOptions& o);
std::vector<Step> cpu_steps(const EvidenceOptions& o);
Step devices_step();

// The best config of a tune (evo_best.json top[0].config); empty when there is none.
std::string best_tuned_config(const std::string& evo_best_json);

}  // namespace attnlab
