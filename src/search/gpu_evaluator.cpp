#include "search/gpu_evaluator.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backends/backend.hpp"
#include "backends/custom/flash_kernel.hpp"
#include "check/checker.hpp"
#include "check/inputs.hpp"
#include "core/error.hpp"
#include "measure/evaluate.hpp"
#include "runtime/device.hpp"
#include "runtime/embedded_kernels.hpp"
#include "runtime/hash.hpp"
#include "search/strategies/strategy.hpp"

namespace attnlab {

// ---------------------------------------------------------------- in-process evaluation (the worker)
struct InProcessEvaluator::Impl {
  GpuEvalOptions opt;
  DeviceInfo dev;
  std::unique_ptr<CheckCase> target, tail_a, tail_b, tail_causal;
};

namespace {
AttnProblem gate_shape(const AttnProblem& target, bool causal) {
  AttnProblem p = target;  // same dtype / head dim; tails in both sequence lengths; GQA 4:2
  p.batch = 1;
  p.heads = 4;
  p.heads_k = 2;
  p.seqlen_q = 333;
  p.seqlen_k = 517;
  p.causal = causal;
  return p;
}
}  // namespace

InProcessEvaluator::InProcessEvaluator(const GpuEvalOptions& opt) : impl_(std::make_unique<Impl>()) {
  impl_->opt = opt;
  impl_->dev = require_device();
  const std::string arch = impl_->dev.arch();
  impl_->target = std::make_unique<CheckCase>(opt.target, fresh_seed(), arch);
  impl_->tail_a = std::make_unique<CheckCase>(gate_shape(opt.target, false), fresh_seed(), arch);
  impl_->tail_b = std::make_unique<CheckCase>(gate_shape(opt.target, false), fresh_seed(), arch);
  impl_->tail_causal = std::make_unique<CheckCase>(gate_shape(opt.target, true), fresh_seed(), arch);
  // cuDNN on the target shape once: the denominator of every candidate's speedup.
  try {
    auto cudnn = make_attention_backend("cudnn");
    EvalOptions eo;
    eo.measure.stop.max_time_s = opt.max_time_s;
    EvalResult r = evaluate_attention(*cudnn, *impl_->target, eo);
    if (r.status == "ok") cudnn_us_ = r.timing->stats.median;
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
  h.add(embedded_kernels_hash()).add(kernel_source);
  return h.hex();
}

Evaluation InProcessEvaluator::evaluate(const TileConfig& cfg, const std::string& kernel_source) {
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
  // The gate: three small cases (two draws of one shape, one causal) and the target shape.
  for (const CheckCase* c : {impl_->tail_a.get(), impl_->tail_b.get(), impl_->tail_causal.get(), impl_->target.get()}) {
    CheckResult r = c->check(*k);
    e.max_error = std::max(e.max_error, r.o.max_abs);
    if (!r.pass) {
      e.error = r.error.empty() ? fmt::format("gate failed on {}: O max-abs {:.2e} rel-L2 {:.2e} bad {}, deterministic {}",
                                              c->problem().describe(), r.o.max_abs, r.o.rel_l2, r.o.bad, r.deterministic)
                                : r.error;
      return e;
    }
  }
  if (impl_->tail_a->check(*k).output_hash == impl_->tail_b->check(*k).output_hash) {
    e.error = "gate failed: outputs did not change when the inputs changed";
    return e;
  }
  e.correct = true;
  EvalOptions eo;
  eo.check = false;  // gated above, on these very inputs
  eo.measure.stop.max_time_s = impl_->opt.max_time_s;
  KernelBackend backend(*k);
  EvalResult r = evaluate_attention(backend, *impl_->target, eo);
  if (r.status != "ok") {
    e.error = r.reason;
    return e;
  }
  e.median_us = r.timing->stats.median;
  e.tflops = r.tflops;
  e.speedup_vs_cudnn = cudnn_us_ > 0 ? cudnn_us_ / e.median_us : 0;
  return e;
}

int run_eval_worker(const GpuEvalOptions& opt) {
  InProcessEvaluator ev(opt);
  std::cout << nlohmann::json{{"ready", true}, {"cudnn_us", ev.cudnn_median_us()}}.dump() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    const auto req = nlohmann::json::parse(line);
    const TileConfig cfg = TileConfig::parse(req.at("config").get<std::string>());
    const std::string source_file = req.value("source_file", "");
    Evaluation e;
    bool fatal = false;
    try {
      e = ev.evaluate(cfg, source_file.empty() ? "" : read_source_file(source_file));
    } catch (const std::exception& ex) {
      e.config = cfg;
      e.error = ex.what();
      fatal = std::string(ex.what()).find("CUDA") != std::string::npos;  // the context may be gone
    }
    if (!fatal && cudaGetLastError() != cudaSuccess) fatal = true;
    auto j = evaluation_to_json(e);
    j["worker_exiting"] = fatal;
    std::cout << j.dump() << std::endl;
    if (fatal) return 3;  // the parent restarts a fresh worker (fresh CUDA context)
  }
  return 0;
}

// ---------------------------------------------------------------- worker process management
struct GpuEvaluator::Worker {
  pid_t pid = -1;
  FILE* to = nullptr;    // worker stdin
  FILE* from = nullptr;  // worker stdout
  ~Worker() {
    if (to) fclose(to);
    if (from) fclose(from);
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
  bool read_line(std::string& out) {
    out.clear();
    int c;
    while ((c = fgetc(from)) != EOF && c != '\n') out.push_back(char(c));
    return c != EOF || !out.empty();
  }
};

GpuEvaluator::GpuEvaluator(const GpuEvalOptions& opt) : opt_(opt) {
  signal(SIGPIPE, SIG_IGN);  // a dead worker must show up as a failed write, not kill the tuner
  arch_ = require_device().arch();
  if (opt_.isolate) start_worker();
  else {
    local_ = std::make_unique<InProcessEvaluator>(opt_);
    cudnn_us_ = local_->cudnn_median_us();
  }
}

GpuEvaluator::~GpuEvaluator() = default;

void GpuEvaluator::start_worker() {
  worker_.reset();
  int in[2], out[2];
  if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe() failed");
  const AttnProblem& t = opt_.target;
  const std::string shape = fmt::format("{},{},{},{},{}", t.batch, t.heads, t.seqlen_q, t.seqlen_k, t.head_dim);
  std::vector<std::string> args = {"/proc/self/exe", "eval-worker", "--shape", shape, "--heads-k", std::to_string(t.heads_k),
                                   "--dtype", std::string(dtype_name(t.dtype)), "--max-time", std::to_string(opt_.max_time_s)};
  if (t.causal) args.push_back("--causal");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork() failed");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[1]);
    close(out[0]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  worker_ = std::make_unique<Worker>();
  worker_->pid = pid;
  worker_->to = fdopen(in[1], "w");
  worker_->from = fdopen(out[0], "r");
  std::string hello;
  if (!worker_->read_line(hello)) throw std::runtime_error("eval worker failed to start");
  cudnn_us_ = nlohmann::json::parse(hello).value("cudnn_us", 0.0);
}

std::vector<Evaluation> GpuEvaluator::evaluate(const std::vector<TileConfig>& configs) {
  std::vector<Candidate> batch;
  for (auto& c : configs) batch.push_back({c, {}, {}});
  return run_batch(batch);
}

std::vector<Evaluation> GpuEvaluator::evaluate_sources(const std::vector<Candidate>& candidates) {
  return run_batch(candidates);
}

std::vector<Evaluation> GpuEvaluator::run_batch(const std::vector<Candidate>& batch) {
  // 1. compile in parallel (NVRTC needs no GPU); failures surface again, with their log, in step 2.
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  const unsigned n = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), batch.size()));
  for (unsigned i = 0; i < n; ++i)
    pool.emplace_back([&] {
      for (size_t j; (j = next.fetch_add(1)) < batch.size();) {
        try {
          const std::string src = batch[j].source_file.empty() ? "" : read_source_file(batch[j].source_file);
          compile_flash(batch[j].config, opt_.target.dtype, opt_.target.head_dim, arch_, FlashVariant::full, src);
        } catch (const std::exception&) {
        }
      }
    });
  for (auto& t : pool) t.join();
  // 2. gate and time serially on the GPU.
  std::vector<Evaluation> out;
  for (const auto& cand : batch) {
    if (local_) {
      try {
        out.push_back(local_->evaluate(cand.config, cand.source_file.empty() ? "" : read_source_file(cand.source_file)));
      } catch (const UserError& ex) {
        Evaluation e;
        e.config = cand.config;
        e.error = ex.what();
        out.push_back(e);
      }
      continue;
    }
    std::string line;
    bool restart = true;
    const std::string req = nlohmann::json{{"config", cand.config.name()}, {"source_file", cand.source_file}}.dump();
    if (fprintf(worker_->to, "%s\n", req.c_str()) > 0 && fflush(worker_->to) == 0 && worker_->read_line(line)) {
      const auto j = nlohmann::json::parse(line);
      out.push_back(evaluation_from_json(j));
      restart = j.value("worker_exiting", false);
    } else {
      Evaluation e;
      e.config = cand.config;
      e.source_hash = embedded_kernels_hash();
      e.error = "the evaluation worker died (the candidate faulted the GPU context)";
      out.push_back(e);
    }
    if (restart) {
      waitpid(worker_->pid, nullptr, 0);
      worker_->pid = -1;
      start_worker();  // a fresh process and CUDA context for the next candidate
    }
  }
  return out;
}

}  // namespace attnlab
