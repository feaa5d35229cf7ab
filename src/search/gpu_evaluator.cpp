#include "search/gpu_evaluator.hpp"

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backends/backend.hpp"
#include "backends/custom/flash_kernel.hpp"
#include "backends/custom/kernel_patch.hpp"
#include "check/checker.hpp"
#include "check/inputs.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
#include "io/json_text.hpp"
#include "measure/evaluate.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/device.hpp"
#include "runtime/embedded_kernels.hpp"
#include "runtime/hash.hpp"
#include "search/eval_runner.hpp"
#include "search/sanitize_candidate.hpp"
#include "search/strategies/strategy.hpp"

namespace attnlab {

// ---------------------------------------------------------------- in-process evaluation (the worker)
struct InProcessEvaluator::Impl {
  GpuEvalOptions opt;
  DeviceInfo dev;
  std::unique_ptr<CheckCase> target, tail, tail_causal;
};

AttnProblem gate_shape(DType dtype, int head_dim, bool causal) {
  return AttnProblem::make(1, 4, 2, 333, 517, head_dim, dtype, causal);  // tails in both lengths; GQA 4:2
}

InProcessEvaluator::InProcessEvaluator(const GpuEvalOptions& opt) : impl_(std::make_unique<Impl>()) {
  impl_->opt = opt;
  impl_->dev = require_device();
  const std::string arch = impl_->dev.arch();
  impl_->target = std::make_unique<CheckCase>(opt.target, fresh_seed(), arch);
  impl_->tail = std::make_unique<CheckCase>(gate_shape(opt.target.dtype, opt.target.head_dim, false), fresh_seed(), arch);
  impl_->tail_causal = std::make_unique<CheckCase>(gate_shape(opt.target.dtype, opt.target.head_dim, true), fresh_seed(), arch);
  // cuDNN on the target shape once: the denominator of every candidate's speedup.
  try {
    auto cudnn = make_attention_backend("cudnn");
    EvalOptions eo;
    eo.measure.stop.max_time_s = opt.max_time_s;
    EvalResult r = evaluate_attention(*cudnn, *impl_->target, eo);
    if (r.ok()) cudnn_us_ = r.timing->stats.median;
  } catch (const std::exception&) {
    cudnn_us_ = 0;  // not built or unsupported: speedup stays unknown (0)
  }
}

InProcessEvaluator::~InProcessEvaluator() = default;

namespace {
// A compiled kernel behind the backend interface, so the evaluation uses the shared check/timing path.
class KernelBackend : public AttentionBackend {
 public:
  explicit KernelBackend(const FlashKernel& k) : k_(k) {}
  std::string name() const override { return "custom"; }
  std::string describe() const override { return k_.config().name(); }
  std::string supports(const AttnProblem& p) const override { return p.validate(); }
  void prepare(const AttnProblem&) override {}
  void run(const AttnProblem& p, const AttnTensors& t, cudaStream_t s) override { k_.run(p, t, s); }

 private:
  const FlashKernel& k_;
};
}  // namespace

std::string evaluation_source_hash(const std::string& kernel_source) {
  if (kernel_source.empty()) return embedded_kernels_hash();
  ContentHash h;
  h.add(embedded_kernels_hash());
  if (!is_edits_document(kernel_source)) return h.add(kernel_source).hex();
  try {  // edits: every patched file, so the key is what is compiled, not how the edits were written
    for (const auto& f : apply_kernel_edits(kernel_source)) h.add(f.path).add(f.text);
  } catch (const UserError&) {
    h.add(kernel_source);  // edits that do not apply fail to compile; keyed by their text
  }
  return h.hex();
}

namespace {
constexpr double kPlannedLaunches = 64;  // gate of the target, warm-up, min samples, verification re-runs
using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }
}  // namespace

double gate_time_limit_s(const GpuEvalOptions& opt, double cudnn_us) {
  const double est_s = cudnn_us > 0 ? cudnn_us * 1e-6 : 1e-3;
  return std::max(opt.min_timeout_s, 50 * est_s * kPlannedLaunches * 2);
}

double target_kernel_estimate_s(double cudnn_us, double gate_wall_per_launch_s) {
  return cudnn_us > 0 ? cudnn_us * 1e-6 : gate_wall_per_launch_s;
}

double timing_time_limit_s(const GpuEvalOptions& opt, double gate_kernel_s) {
  return std::max(opt.min_timeout_s, 50 * gate_kernel_s * kPlannedLaunches) + 2 * (opt.max_time_s + 0.5);
}

Evaluation InProcessEvaluator::evaluate(const TileConfig& cfg, const std::string& kernel_source, const Progress& progress) {
  Evaluation e;
  e.config = cfg;
  e.source_hash = evaluation_source_hash(kernel_source);
  const AttnProblem& p = impl_->opt.target;
  e.smem_bytes = cfg.smem_bytes(p.head_dim);
  std::unique_ptr<FlashKernel> k;
  try {
    k = std::make_unique<FlashKernel>(cfg, p.dtype, p.head_dim, impl_->dev.arch(), FlashVariant::full, kernel_source);
  } catch (const CompileError& ex) {
    e.error = std::string(ex.what()) + "\n" + ex.log().substr(0, kUntrustedLogLimit);
    return e;
  } catch (const UserError& ex) {
    e.error = ex.what();
    return e;
  }
  e.compiled = true;
  e.registers = k->compiled().resources.registers;
  e.spill_bytes = k->compiled().resources.spill_stores;
  if (progress) progress("compiled", gate_time_limit_s(impl_->opt, cudnn_us_));
  // The gate on the small shapes with tails (each on two input sets); the target shape is gated by
  // evaluate_attention below, which then times it with every verified launch.
  const auto gate_t0 = clock_type::now();
  int launches = 0;
  for (const CheckCase* c : {impl_->tail.get(), impl_->tail_causal.get()}) {
    CheckResult r = check_kernel(*c, *k);
    launches += CheckCase::kInputSets + 1;
    e.max_error = std::max(e.max_error, r.o.max_abs);
    if (!r.pass) {
      e.error = r.error.empty() ? fmt::format("gate failed on {}: O max-abs {:.2e} rel-L2 {:.2e} bad {}, deterministic {}",
                                              c->problem().describe(), r.o.max_abs, r.o.rel_l2, r.o.bad, r.deterministic)
                                : "gate failed on " + c->problem().describe() + ": " + r.error;
      return e;
    }
  }
  // The target's kernel time bounds the timing phase (target_kernel_estimate_s: cuDNN's median on the target).
  const double gate_work = double(impl_->tail->problem().flops()) + impl_->tail_causal->problem().flops();
  const double gate_wall_per_launch_s = seconds_since(gate_t0) / launches * p.flops() / (gate_work / 2);
  if (progress)
    progress("gated", timing_time_limit_s(impl_->opt, target_kernel_estimate_s(cudnn_us_, gate_wall_per_launch_s)));
  EvalOptions eo;
  eo.measure.stop.max_time_s = impl_->opt.max_time_s;
  KernelBackend backend(*k);
  EvalResult r = evaluate_attention(backend, *impl_->target, eo);
  if (r.check) e.max_error = std::max(e.max_error, r.check->o.max_abs);
  if (!r.ok()) {
    e.error = r.reason.empty() ? eval_status_name(r.status) : r.reason;
    if (r.gate_failed()) e.error = "gate failed on " + p.describe() + ": " + r.reason;
    return e;
  }
  e.correct = true;
  e.median_us = r.timing->stats.median;
  e.tflops = r.tflops;
  e.speedup_vs_cudnn = cudnn_us_ > 0 ? cudnn_us_ / e.median_us : 0;
  return e;
}

Evaluation InProcessRunner::run(const EvalRequest& r) {
  try {
    return ev_.evaluate(r.config, r.source_text);
  } catch (const std::exception& ex) {
    Evaluation e;
    e.config = r.config;
    e.source_hash = request_source_hash(r);
    e.error = ex.what();
    cudaGetLastError();
    return e;
  }
}

int run_eval_worker(std::istream& in, std::ostream& out) {
  std::string line;
  if (!std::getline(in, line)) return 2;
  const EvalSession session = session_from_json(parse_json_text(line, "eval worker session"));
  InProcessEvaluator ev(session.options);
  out << json_text(nlohmann::json{{"ready", true}, {"cudnn_us", ev.cudnn_median_us()}}) << std::endl;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const EvalRequest req = request_from_json(parse_json_text(line, "eval worker request"));
    auto progress = [&](const std::string& phase, double limit) { out << json_text(to_json(EvalProgress{req.id, phase, limit})) << std::endl; };
    EvalReply reply;
    reply.id = req.id;
    Evaluation& e = reply.evaluation;
    cudaError_t code = cudaSuccess;
    try {
      e = ev.evaluate(req.config, req.source_text, progress);
    } catch (const CudaError& ex) {
      e.config = req.config;
      e.error = ex.what();
      code = ex.code();
    } catch (const std::exception& ex) {
      e.config = req.config;
      e.error = ex.what();
    }
    // A faulting kernel leaves a sticky error: every later call fails with it. Ask the runtime, not the text.
    if (!is_sticky_cuda_error(code)) code = cudaDeviceSynchronize();
    if (code == cudaSuccess) code = cudaGetLastError();
    reply.worker_exiting = code != cudaSuccess;
    if (reply.worker_exiting) {
      if (e.error.empty()) e.error = fmt::format("CUDA error {} after the evaluation", cudaGetErrorName(code));
      reply.cuda_error = cudaGetErrorName(code);
    }
    out << json_text(to_json(reply)) << std::endl;  // an error text with any bytes in it still goes out
    if (reply.worker_exiting) return 3;  // the parent starts a fresh worker (fresh CUDA context)
  }
  return 0;
}

// ---------------------------------------------------------------- the evaluator over a runner
GpuEvaluator::GpuEvaluator(const GpuEvalOptions& opt) : opt_(opt) {
  if (const char* env = std::getenv("ATTNLAB_SANITIZE_SOURCES"); env && std::string(env) == "0") opt_.sanitize_sources = false;
  arch_ = require_device().arch();
  if (opt_.isolate) runner_ = std::make_unique<WorkerRunner>(EvalSession{opt_});
  else runner_ = std::make_unique<InProcessRunner>(opt_);
}

GpuEvaluator::GpuEvaluator(const GpuEvalOptions& opt, const std::string& arch, std::unique_ptr<EvalRunner> runner)
    : opt_(opt), arch_(arch), runner_(std::move(runner)) {}

GpuEvaluator::~GpuEvaluator() = default;

double GpuEvaluator::cudnn_median_us() const { return runner_->cudnn_median_us(); }

std::vector<Evaluation> GpuEvaluator::evaluate(const std::vector<TileConfig>& configs) {
  std::vector<Candidate> batch;
  for (auto& c : configs) batch.push_back({c, {}, {}});
  return run_batch(batch);
}

std::vector<Evaluation> GpuEvaluator::evaluate_sources(const std::vector<Candidate>& candidates) {
  return run_batch(candidates);
}

std::vector<Evaluation> GpuEvaluator::run_batch(const std::vector<Candidate>& batch) {
  // 0. every source file read once: what is compiled, sanitised, hashed and sent is this text.
  std::vector<std::string> texts(batch.size());
  std::vector<std::string> unreadable(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) try {
      if (!batch[i].source_file.empty()) texts[i] = read_source_file(batch[i].source_file);
    } catch (const UserError& ex) {
      unreadable[i] = ex.what();
    }
  // 1. compile in parallel (NVRTC needs no GPU); failures surface again, with their log, in step 3.
  std::atomic<size_t> next{0};
  std::vector<char> compiled(batch.size(), 0);
  std::vector<std::thread> pool;
  const unsigned n = !runner_->compiles_locally()
                         ? 0u
                         : std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), batch.size()));
  for (unsigned i = 0; i < n; ++i)
    pool.emplace_back([&] {
      for (size_t j; (j = next.fetch_add(1)) < batch.size();) {
        if (!unreadable[j].empty()) continue;
        try {
          compile_flash(batch[j].config, opt_.target.dtype, opt_.target.head_dim, arch_, FlashVariant::full, texts[j]);
          compiled[j] = 1;
        } catch (const std::exception&) {
        }
      }
    });
  for (auto& t : pool) t.join();
  // 2. source candidates under compute-sanitizer, 3. then gated and timed by the runner as one batch (one at a
  // time, or spread over ranks), each stored (on_evaluated) as it arrives.
  std::vector<Evaluation> out(batch.size());
  std::vector<EvalRequest> requests;
  std::vector<size_t> slot_of;  // requests[k] answers out[slot_of[k]]
  for (size_t i = 0; i < batch.size(); ++i) {
    const Candidate& cand = batch[i];
    if (!unreadable[i].empty()) {
      out[i].config = cand.config;
      out[i].error = unreadable[i];
      continue;
    }
    if (!cand.source_file.empty() && opt_.sanitize_sources && runner_->launches_kernels() && !runner_->compiles_locally()) {
      out[i].config = cand.config;
      out[i].source_hash = evaluation_source_hash(texts[i]);
      out[i].error = "not evaluated: source candidates are sanitised where they are compiled, and this runner "
                     "compiles elsewhere (MPI ranks)";
      continue;
    }
    if (!cand.source_file.empty() && opt_.sanitize_sources && compiled[i] && runner_->launches_kernels()) {
      const SanitizeResult s = sanitize_candidate(cand.config, opt_.target.dtype, opt_.target.head_dim, cand.source_file,
                                                  opt_.sanitize_timeout_s);
      fmt::print(stderr, "sanitize {} @ {}: {} ({:.1f} s)\n", cand.config.name(), cand.source_file,
                 s.clean ? "clean" : s.error, s.seconds);
      if (!s.clean) {
        Evaluation& e = out[i];
        e.config = cand.config;
        e.compiled = true;
        e.source_hash = evaluation_source_hash(texts[i]);
        e.error = s.ran ? fmt::format("rejected by compute-sanitizer {}", s.error)
                        : fmt::format("not evaluated: {} (source candidates must pass compute-sanitizer; "
                                      "ATTNLAB_SANITIZE_SOURCES=0 skips it)", s.error);
        continue;
      }
    }
    requests.push_back(EvalRequest{++requests_, cand.config, texts[i], cand.source_file});
    slot_of.push_back(i);
  }
  const auto results = runner_->run_batch(requests, [&](size_t, const Evaluation& e) {
    if (on_evaluated) on_evaluated(e);
  });
  if (results.size() != requests.size()) throw std::logic_error("runner returned a different number of evaluations");
  for (size_t k = 0; k < results.size(); ++k) out[slot_of[k]] = results[k];
  return out;
}

}  // namespace attnlab
