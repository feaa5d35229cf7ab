#include "evidence/steps.hpp"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "io/json_text.hpp"

namespace attnlab {

namespace fs = std::filesystem;

namespace {
std::string at(const EvidenceOptions& o, const std::string& rel) { return (fs::path(o.out) / rel).string(); }
bool have(const EvidenceOptions& o, const std::string& rel) { return fs::exists(fs::path(o.out) / rel); }

Step step(std::string name, double full_s, double quick_s, bool quick, std::string stdout_file,
          std::vector<std::string> outputs, std::function<StepPlan(const EvidenceOptions&)> plan) {
  return Step{std::move(name), quick ? quick_s : full_s, std::move(stdout_file), std::move(outputs), std::move(plan)};
}

std::vector<std::string> timing(const EvidenceOptions& o, const char* quick_max_time) {
  return o.quick ? std::vector<std::string>{"--max-time", quick_max_time} : std::vector<std::string>{};
}
std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
}  // namespace

std::string best_tuned_config(const std::string& path) {
  try {
    const auto j = read_json_file(path, size_t(64) << 20);
    return j.at("top").at(0).at("config").get<std::string>();
  } catch (const std::exception&) {
    return "";
  }
}

Step devices_step() {
  return Step{"devices", 5, "devices.txt", {"devices.txt", "env.json"}, [](const EvidenceOptions& o) {
                return StepPlan{{"devices", "--json", at(o, "env.json")}, ""};
              }};
}

std::vector<Step> gpu_steps(const EvidenceOptions& o) {
  const bool q = o.quick;
  std::vector<Step> s;
  s.push_back(step("ceilings", 30, 30, q, "ceilings.txt", {"ceilings.txt"}, [](auto&) { return StepPlan{{"ceilings"}, ""}; }));
  s.push_back(step("check", 600, 40, q, "check.txt", {"check.txt", "check.json"}, [](const EvidenceOptions& o) {
    return StepPlan{cat({"check", "--json", at(o, "check.json")}, o.quick ? std::vector<std::string>{}
                                                                         : std::vector<std::string>{"--configs", "all"}),
                    ""};
  }));
  // Default space with the full-kernel ranking (the rank scatter); full mode also the tuning space (the seeds).
  s.push_back(step("micro", 180, 45, q, "micro.txt", {"micro.txt", "micro_best.json"}, [](const EvidenceOptions& o) {
    return StepPlan{cat({"micro", "--out", at(o, "micro_best.json")},
                        o.quick ? std::vector<std::string>{"--no-full", "--max-time", "0.2"} : std::vector<std::string>{}),
                    ""};
  }));
  if (!q)
    s.push_back(step("micro-tuning", 240, 0, q, "micro_tuning.txt", {"micro_tuning.txt", "micro_best_tuning.json"},
                     [](const EvidenceOptions& o) {
                       return StepPlan{{"micro", "--space", "tuning", "--no-full", "--out", at(o, "micro_best_tuning.json")}, ""};
                     }));
  if (!q)
    s.push_back(step("tune-exhaustive", 300, 0, q, "tune/exhaustive.txt", {"tune/exhaustive.txt", "tune/results.db", "tune/exhaustive"},
                     [](const EvidenceOptions& o) {
                       return StepPlan{{"tune", "--strategy", "exhaustive", "--budget", "1000", "--max-time", "1", "--db", at(o, "tune/results.db"),
                                        "--out-dir", at(o, "tune/exhaustive")},
                                       ""};
                     }));
  s.push_back(step("tune-seeded", 90, 40, q, "tune/seeded.txt", {"tune/seeded.txt", "tune/seeded.db", "tune/seeded"},
                   [](const EvidenceOptions& o) {
                     const std::string seeds = have(o, "micro_best_tuning.json") ? "micro_best_tuning.json" : "micro_best.json";
                     if (!have(o, seeds)) return StepPlan{{}, "needs " + seeds + " (the micro step did not write it)"};
                     return StepPlan{cat({"tune", "--strategy", "seeded", "--seed-from", at(o, seeds), "--budget",
                                          o.quick ? "16" : "64", "--db", at(o, "tune/seeded.db"), "--out-dir",
                                          at(o, "tune/seeded")},
                                         o.quick ? timing(o, "0.3") : std::vector<std::string>{"--max-time", "1"}),
                                     ""};
                   }));
  s.push_back(step("tune-replay", 20, 0, q, "tune/replay.txt", {"tune/replay.txt", "tune/replay.json"}, [](const EvidenceOptions& o) {
    if (o.quick) return StepPlan{{}, "--quick: no exhaustive results to replay strategies against"};
    if (!have(o, "tune/results.db")) return StepPlan{{}, "needs tune/results.db (the exhaustive tune did not write it)"};
    return StepPlan{{"tune", "--replay", at(o, "tune/results.db"), "--seed-from", at(o, "micro_best_tuning.json"),
                     "--replay-seeds", "20", "--budget", "64", "--replay-json", at(o, "tune/replay.json")},
                    ""};
  }));
  s.push_back(step("compare", 420, 60, q, "compare.txt", {"compare.txt", "compare.json", "compare.csv"}, [](const EvidenceOptions& o) {
    // The four backends of the FlashAttention comparison; 0.3 s per measurement keeps the full grid (36 cells
    // x 4 backends, each gated twice and verified) within ten minutes on an H100.
    return StepPlan{cat({"compare", "--out", at(o, "compare.json"), "--csv", at(o, "compare.csv"), "--backends",
                         "custom,cudnn,torch-flash,torch-cudnn", "--max-time", "0.3"},
                        o.quick ? std::vector<std::string>{"--seqlens", "1024,4096", "--head-dims", "128"}
                                : std::vector<std::string>{}),
                    ""};
  }));
  s.push_back(step("compare-tuned", 60, 15, q, "compare_tuned.txt", {"compare_tuned.txt", "compare_tuned.json"},
                   [](const EvidenceOptions& o) {
                     const std::string best = best_tuned_config(at(o, "tune/seeded/evo_best.json"));
                     if (best.empty()) return StepPlan{{}, "needs tune/seeded/evo_best.json (the seeded tune)"};
                     return StepPlan{cat({"compare", "--backends", "custom", "--head-dims", "128", "--custom-config", best,
                                          "--out", at(o, "compare_tuned.json")},
                                         o.quick ? std::vector<std::string>{"--seqlens", "1024,4096", "--max-time", "0.3"}
                                                 : std::vector<std::string>{}),
                                     ""};
                   }));
  // Profiles at the tune's target shape (`attnlab profile`: one backend per run, full metrics unless --quick):
  // the custom kernel as tuned and as shipped (default) of each family, cuDNN's SDPA and the cuBLAS QK^T GEMM.
  struct ProfileTarget {
    const char* name;
    std::vector<std::string> args;
    bool quick;
  };
  const std::vector<ProfileTarget> targets{{"custom-tuned", {"--backend", "custom"}, true},
                                           {"custom-default", {"--backend", "custom"}, false},
                                           {"custom-sm80", {"--backend", "custom-sm80"}, false},
                                           {"cudnn", {"--backend", "cudnn"}, true},
                                           {"cublas-qk", {"--backend", "cublas-qk"}, false}};
  for (const auto& t : targets) {
    if (q && !t.quick) continue;
    const std::string rel = std::string("profile/") + t.name;
    s.push_back(step(std::string("profile-") + t.name, 60, 30, q, rel + ".txt", {rel + ".txt", rel}, [t, rel](const EvidenceOptions& o) {
      if (!o.has_profile) return StepPlan{{}, "this attnlab has no `profile` subcommand"};
      std::vector<std::string> a = cat({"profile", "--shape", "4,16,4096,4096,128", "--metrics", o.quick ? "brief" : "full",
                                        "--out", at(o, rel)},
                                       t.args);
      if (std::string(t.name) == "custom-tuned") {
        const std::string best = best_tuned_config(at(o, "tune/seeded/evo_best.json"));
        if (best.empty()) return StepPlan{{}, "needs tune/seeded/evo_best.json (the seeded tune)"};
        a.insert(a.end(), {"--config", best});
      }
      return StepPlan{a, ""};
    }));
  }
  s.push_back(step("report", 3, 3, q, "logs/report.log", {"report.html"}, [](const EvidenceOptions& o) {
    return StepPlan{{"report", o.out, "--out", at(o, "report.html")}, ""};
  }));
  return s;
}

std::vector<Step> cpu_steps(const EvidenceOptions& o) {
  std::vector<Step> s;
  for (const char* arch : {"sm_80", "sm_89", "sm_90a"})
    for (const char* d : {"64", "128", "256"}) {
      const std::string rel = std::string("configs/configs_") + arch + "_d" + d + ".txt";
      s.push_back(Step{std::string("configs-") + arch + "-d" + d, 40, rel, {rel}, [arch, d](const EvidenceOptions&) {
                         return StepPlan{{"configs", "--arch", arch, "--head-dim", d, "--compile"}, ""};
                       }});
    }
  s.push_back(Step{"report", 3, "logs/report.log", {"report.html"}, [](const EvidenceOptions& o) {
                     if (!fs::is_directory(o.committed)) return StepPlan{{}, "no committed evidence at " + o.committed};
                     return StepPlan{{"report", o.committed, "--out", at(o, "report.html")}, ""};
                   }});
  (void)o;
  return s;
}

}  // namespace attnlab
