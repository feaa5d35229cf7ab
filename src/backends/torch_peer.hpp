#pragma once
// The PyTorch SDPA peer: attnlab runs scripts/torch_peer.py (python3 with a CUDA-enabled torch) as a
// subprocess, sends it a JSON request on stdin and reads one JSON object ("attnlab.peer/1") from its stdout.
// The script forces one SDPA backend per case (flash, cuDNN, mem-efficient, math), checks the output against
// a float64 reference with attnlab's tolerances, and times it with a port of attnlab's timing core.
// torch is optional: without it run_torch_peer() returns nothing and says why.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/problem.hpp"

namespace attnlab {

inline constexpr const char* kPeerSchema = "attnlab.peer/1";

// One request case; field names are the JSON keys.
struct PeerCase {
  std::string backend = "torch-flash";  // torch-flash | torch-cudnn | torch-efficient | torch-math
  int batch = 1, heads = 1, heads_k = 1, seqlen_q = 1, seqlen_k = 1, head_dim = 128;
  std::string dtype = "bf16";           // bf16 | fp16
  bool causal = false;                  // bottom-right aligned, as in attnlab
  std::optional<double> scale;          // null: 1/sqrt(head_dim)
  std::optional<uint64_t> seed;         // null: the script draws a fresh 48-bit seed (and reports it)

  static PeerCase from_problem(const std::string& backend, const AttnProblem& p);
  AttnProblem problem() const;  // the inverse (dtype parsed, scale 0 when null)
  double flops() const;  // AttnProblem::flops(): 4*B*H*Sq*Sk*d, halved when causal
  bool operator==(const PeerCase&) const = default;
};

struct PeerCheck {
  double o_max_abs = 0, o_rel_l2 = 0;  // NaN when the script reported null (non-finite)
  bool pass = false;
  uint64_t seed = 0;
  std::string reference;               // torch-fp64 | torch-fp32
  std::string subset;                  // with torch-fp32: which batches/heads were compared
  int64_t bad = 0;                     // non-finite output elements
  std::optional<bool> deterministic;   // two runs bitwise equal
};

struct PeerTiming {
  double median_us = 0, min_us = 0, q1_us = 0, q3_us = 0, max_us = 0, mean_us = 0, rel_stdev = 0;
  int samples = 0;
  std::string stop;                    // converged | plateaued | timeout | max-samples
  std::string warning;                 // set when stopped by the time limit
  std::vector<double> raw_us;
  double host_guard_us = 0;            // spin before each sample that hides Python dispatch (see the script)
  std::optional<double> kernel_sum_us; // torch.profiler: summed kernel durations of one call
  std::string method;                  // "events+spin" or "cuda-graph(N)": how the samples were taken
  bool host_overhead = false;          // the event median still exceeds the kernel sum x 1.15 + 3 us
  // How the timed calls were checked (the script's SampleCheck): every sample compared with the gated output.
  struct Verified {
    std::string mode, method;  // "bitwise" | "tolerance"
    int samples = 0;
    double cost_s = 0;
  };
  std::optional<Verified> verified;
};

struct PeerResult {
  PeerCase c;
  std::string status;                  // ok | skipped | failed
  std::string reason;                  // set when status != ok
  std::string note;                    // e.g. how lower-right causal was expressed
  std::optional<PeerCheck> check;      // present when ok, and for failed checks
  std::optional<PeerTiming> timing;    // present when ok
  std::optional<double> tflops;
  std::vector<std::string> kernels;    // CUDA kernels one call launched (profiler), when available
  // Environment, the same for every result of one response.
  std::string torch_version, cuda_version, device, capability;
  int64_t cudnn_version = 0;

  bool ok() const { return status == "ok"; }
  std::string describe() const;  // "torch 2.11.0+cu130 (CUDA 13.0, cuDNN 91300) on NVIDIA H100 80GB HBM3"
};

std::string peer_request_json(const std::vector<PeerCase>& cases, double max_time_s,
                              double target_rel_stdev = 0.005);
std::vector<PeerCase> parse_peer_request(const std::string& json);  // UserError on malformed input
// UserError (one line) on malformed JSON, wrong schema or missing/ill-typed fields.
std::vector<PeerResult> parse_peer_response(const std::string& json);

// python3 (or $ATTNLAB_PYTHON) that imports torch with CUDA available; nullopt + *why otherwise.
std::optional<std::string> find_torch_python(std::string* why);
// $ATTNLAB_TORCH_PEER, else <exe_dir>/../scripts/torch_peer.py, else ./scripts/torch_peer.py.
std::optional<std::string> find_torch_peer_script(std::string* why);
// Runs the peer. Empty + *why ("skipped: ..." when python/torch/the script is missing, "failed: ..." when
// the script exits non-zero); UserError when its output is malformed. Script progress goes to stderr.
std::vector<PeerResult> run_torch_peer(const std::vector<PeerCase>& cases, double max_time_s, std::string* why);

}  // namespace attnlab
