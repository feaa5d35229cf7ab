#include "search/eval_runner.hpp"

#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "core/process.hpp"
#include "io/json_text.hpp"
#include "search/gpu_evaluator.hpp"

namespace attnlab {

namespace {
using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }
}  // namespace

std::string request_source_hash(const EvalRequest& r) { return evaluation_source_hash(r.source_text); }

std::vector<Evaluation> EvalRunner::run_batch(const std::vector<EvalRequest>& requests, const OnResult& on_result) {
  std::vector<Evaluation> out;
  for (size_t i = 0; i < requests.size(); ++i) {
    out.push_back(run(requests[i]));
    if (on_result) on_result(i, out.back());
  }
  return out;
}

WorkerRunner::WorkerRunner(EvalSession session, std::vector<std::string> argv)
    : session_(std::move(session)), argv_(std::move(argv)) {
  if (argv_.empty()) argv_ = {self_executable(), "eval-worker"};
  start();
}

WorkerRunner::~WorkerRunner() = default;

void WorkerRunner::start() {
  worker_.reset();
  worker_ = std::make_unique<ChildProcess>(argv_);
  ++starts_;
  std::string hello;
  // Start-up builds the references on the CPU (or GPU) and times cuDNN once.
  if (!worker_->write_line(json_text(to_json(session_))) ||
      worker_->read_line(hello, session_.options.compile_timeout_s) != ChildProcess::Read::line)
    throw std::runtime_error("eval worker failed to start (" + worker_->wait().describe() + ")");
  try {
    cudnn_us_ = ready_from_json(parse_json_text(hello, "eval worker"));
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("eval worker failed to start: ") + e.what());
  }
}

Evaluation WorkerRunner::run(const EvalRequest& req) {
  Evaluation e;
  e.config = req.config;
  e.source_hash = request_source_hash(req);
  if (!worker_) start();
  std::string phase = "compile", line;
  double limit = session_.options.compile_timeout_s;
  const auto t0 = clock_type::now();
  bool restart = true;
  if (!worker_->write_line(json_text(to_json(req)))) {
    e.error = "the evaluation worker died before the request (" + worker_->wait().describe() + ")";
  } else {
    for (;;) {
      const auto phase_t0 = clock_type::now();
      const auto got = worker_->read_line(line, limit);
      if (got == ChildProcess::Read::timeout) {
        worker_->kill_now();
        e.error = fmt::format("timed out after {:.0f} s in the {} phase (limit {:.0f} s; {:.1f} s in all): worker killed",
                              seconds_since(phase_t0), phase, limit, seconds_since(t0));
        e.compiled = phase != "compile";
        break;
      }
      if (got == ChildProcess::Read::eof) {
        e.error = fmt::format("the evaluation worker died in the {} phase ({}): the candidate faulted the GPU context",
                              phase, worker_->wait().describe());
        e.compiled = phase != "compile";
        break;
      }
      try {
        const WorkerLine w = worker_line_from_json(parse_json_text(line, "eval worker"), req.id);
        if (w.progress) {
          phase = w.progress->phase == "compiled" ? "gate" : "timing";
          if (w.progress->next_limit_s > 0) limit = w.progress->next_limit_s;
          continue;
        }
        e = w.reply->evaluation;
        restart = w.reply->worker_exiting;
      } catch (const std::exception& ex) {  // a worker that answers garbage is not trusted with the next one
        worker_->kill_now();
        e.error = fmt::format("the evaluation worker answered something malformed in the {} phase ({}): worker killed",
                              phase, ex.what());
        e.compiled = phase != "compile";
      }
      break;
    }
  }
  if (restart) worker_.reset();  // a fresh process and CUDA context for the next candidate (started lazily)
  return e;
}

ReplayRunner::ReplayRunner(const std::vector<Evaluation>& recorded, double cudnn_us) : cudnn_us_(cudnn_us) {
  for (const auto& e : recorded) by_key_[e.config.name() + "@" + e.source_hash] = e;
}

Evaluation ReplayRunner::run(const EvalRequest& r) {
  const std::string hash = request_source_hash(r);
  if (auto it = by_key_.find(r.config.name() + "@" + hash); it != by_key_.end()) return it->second;
  Evaluation e;
  e.config = r.config;
  e.source_hash = hash;
  e.error = "not in the recording (replay runner)";
  return e;
}

}  // namespace attnlab
