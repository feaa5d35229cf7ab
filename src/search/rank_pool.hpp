#pragma once
// Evaluations spread over ranks (docs/mpi.md, issue 23). Rank 0 owns the strategy, the results database and the
// checkpoints; ranks 1..N-1 each hold one runner (a WorkerRunner on their own GPU: a crash or hang stays inside
// that rank's worker process) and evaluate what rank 0 sends. Rank 0 may evaluate too (its own local runner).
//  - RankLink: the transport (MPI in search/mpi_link.hpp; an in-process fake in the tests);
//  - RankPool (rank 0): one session per tune (a campaign starts one per probe: every rank switches target and
//    times cuDNN on its own GPU), a batch handed out dynamically (the next request to the first idle rank), a
//    request pending on a rank past `reissue_after_s` sent to another rank (first answer wins, the late one is
//    dropped), a reply that is malformed or answers another request refused as a failed evaluation naming the
//    rank, which gets no further request;
//  - MpiRunner: the EvalRunner of one session on the pool (GpuEvaluator does not pre-compile for it);
//  - serve_rank: the loop of ranks 1..N-1.
// Messages are the JSON of search/eval_protocol.hpp: 0 -> r {"session"}, {"request"}, {"stop"};
// r -> 0 {"ready", cudnn_us, gpu_uuid, arch, host} (or ready false with the error), the reply, {"bye"}.
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "search/eval_runner.hpp"

namespace attnlab {

struct RankMessage {
  int rank = 0;
  std::string text;
};

class RankLink {
 public:
  virtual ~RankLink() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual void send(int to, const std::string& text) = 0;
  // The next message from any rank within timeout_s (0: look once); nullopt when none came.
  virtual std::optional<RankMessage> receive(double timeout_s) = 0;
};

using RunnerFactory = std::function<std::unique_ptr<EvalRunner>(const GpuEvalOptions&)>;

struct RankPoolOptions {
  double reissue_after_s = 900;  // a request pending longer on one rank is sent to another as well
  std::string arch;              // every evaluating rank's GPU must be of this arch (the campaign's)
  std::string local_uuid;        // rank 0's GPU
  RunnerFactory local;           // rank 0's own runner per session (null: rank 0 only coordinates)
  std::function<void(const std::string&)> log;
};

struct RankStats {
  int rank = 0;
  std::string gpu_uuid, host;
  int evaluated = 0;  // answers accepted from this rank
  int late = 0;       // answers dropped (another rank answered first)
  int reissued = 0;   // its requests sent elsewhere after the limit
  bool refused = false;
  std::string refused_why;
};

class RankPool {
 public:
  RankPool(RankLink& link, RankPoolOptions opt);
  ~RankPool();  // stop(), never throws
  // Every rank switches to the session's target (and times cuDNN on its GPU); UserError naming the rank when
  // one cannot (no GPU, another arch). Waits for the idle ranks' ready; a rank still busy with a late request
  // gets work again once its ready arrives.
  void start_session(const EvalSession& s);
  // cuDNN's median as the reference rank measured it: rank 0's when it evaluates, else the lowest live rank's.
  double cudnn_median_us() const;
  std::vector<Evaluation> run_batch(const std::vector<EvalRequest>& requests, const EvalRunner::OnResult& on_result);
  // One request on rank 0's own GPU, outside any batch (a campaign's finalists are re-timed there, so every entry of
  // the dispatch table is measured on one GPU): a fresh local runner for `go`; its cuDNN median in *cudnn_us.
  Evaluation run_on_rank0(const GpuEvalOptions& go, const EvalRequest& r, double* cudnn_us);
  // Ranks leave their loops (idempotent); waits for each one's goodbye.
  void stop();
  std::vector<RankStats> stats() const;
  std::string stats_text() const;

 private:
  struct Slot;
  struct Job;
  void dispatch(std::vector<Job>& jobs, std::vector<size_t>& pending);
  void poll(std::vector<Job>& jobs, const EvalRunner::OnResult& on_result, double timeout_s);
  void handle(Slot& s, const std::string& text, std::vector<Job>* jobs, const EvalRunner::OnResult& on_result);
  void on_message(Slot& s, const std::string& text, std::vector<Job>* jobs, const EvalRunner::OnResult& on_result);
  void reissue_overdue(std::vector<Job>& jobs, std::vector<size_t>& pending);
  Slot* slot_of_rank(int rank);
  void log(const std::string& s) const;
  RankLink& link_;
  RankPoolOptions opt_;
  std::vector<std::unique_ptr<Slot>> slots_;  // rank order; slots_[0] is rank 0's own when it evaluates
  long next_ticket_ = 1;
  long batch_ = 0;
  std::map<long, std::pair<long, size_t>> tickets_;  // ticket -> (batch, index in it)
  bool stopped_ = false;
};

class MpiRunner : public EvalRunner {
 public:
  MpiRunner(RankPool& pool, const GpuEvalOptions& go) : pool_(pool) { pool_.start_session(EvalSession{go}); }
  double cudnn_median_us() const override { return pool_.cudnn_median_us(); }
  bool compiles_locally() const override { return false; }  // each rank compiles on its own host
  Evaluation run(const EvalRequest& r) override { return pool_.run_batch({r}, {}).front(); }
  std::vector<Evaluation> run_batch(const std::vector<EvalRequest>& rs, const OnResult& on_result) override {
    return pool_.run_batch(rs, on_result);
  }

 private:
  RankPool& pool_;
};

// The rank's GPU as it reports itself in its ready message.
struct RankIdentity {
  std::string gpu_uuid, arch, host;
};
// Ranks 1..N-1: serve rank 0's sessions and requests until it says stop. `tamper` (tests) rewrites each reply.
int serve_rank(RankLink& link, const RankIdentity& id, const RunnerFactory& make,
               const std::function<std::string(const std::string&)>& tamper = {});

}  // namespace attnlab
