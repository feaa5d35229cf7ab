#include "search/rank_pool.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "io/json_text.hpp"

namespace attnlab {

namespace {
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
constexpr double kPollS = 0.002;  // how long one look at the link waits while work is out
}  // namespace

struct RankPool::Slot {
  int rank = 0;
  bool local = false;
  long ticket = 0;  // the request it works on; 0: idle
  bool awaiting_ready = false;  // the session was sent; no request until its ready arrives
  Clock::time_point since;
  double cudnn_us = 0;
  RankStats stats;
  std::unique_ptr<EvalRunner> runner;  // rank 0's own
  std::future<Evaluation> result;      // rank 0's own, while busy
  bool live() const { return !stats.refused; }
  std::string who() const { return fmt::format("rank {} ({})", rank, stats.gpu_uuid.empty() ? "?" : stats.gpu_uuid); }
};

struct RankPool::Job {
  EvalRequest request;
  bool answered = false, reissued = false;
  std::vector<int> ranks;  // where it was sent
  Evaluation evaluation;
};

RankPool::RankPool(RankLink& link, RankPoolOptions opt) : link_(link), opt_(std::move(opt)) {
  for (int r = opt_.local ? 0 : 1; r < link_.size(); ++r) {
    auto s = std::make_unique<Slot>();
    s->rank = r;
    s->local = r == 0;
    s->stats.rank = r;
    if (s->local) s->stats.gpu_uuid = opt_.local_uuid;
    slots_.push_back(std::move(s));
  }
  if (slots_.empty()) throw UserError("--mpi: no rank evaluates (one rank, and rank 0 only coordinates)");
}

RankPool::~RankPool() {
  try {
    stop();
  } catch (...) {
  }
}

void RankPool::log(const std::string& s) const {
  if (opt_.log) opt_.log(s);
}

RankPool::Slot* RankPool::slot_of_rank(int rank) {
  for (auto& s : slots_)
    if (s->rank == rank) return s.get();
  return nullptr;
}

void RankPool::start_session(const EvalSession& session) {
  const std::string msg = json_text(to_json(session));
  for (auto& s : slots_)
    if (!s->local && s->live()) {
      link_.send(s->rank, msg);  // queued behind a request it still works on: its late answer comes first
      s->awaiting_ready = true;
    }
  for (auto& s : slots_)
    if (s->local) {
      if (s->ticket) {  // a request re-issued elsewhere that it still works on: its answer is late
        s->result.wait();
        handle(*s, "", nullptr, {});
      }
      s->runner.reset();
      s->runner = opt_.local(session.options);
      s->cudnn_us = s->runner->cudnn_median_us();
    }
  // Ranks that were idle answer now; one still busy with a late request (a stalled rank) is not waited for: it
  // gets requests again once its ready arrives (poll), so a stall does not hold up the next probe.
  auto idle_waiting = [&] {
    return std::any_of(slots_.begin(), slots_.end(), [](auto& s) { return s->live() && s->awaiting_ready && !s->ticket; });
  };
  while (idle_waiting())
    if (auto m = link_.receive(1.0))
      if (Slot* s = slot_of_rank(m->rank); s && !s->local) on_message(*s, m->text, nullptr, {});
}

// A message from a remote rank: its ready for the current session, or an answer to its request.
void RankPool::on_message(Slot& s, const std::string& text, std::vector<Job>* jobs, const EvalRunner::OnResult& on_result) {
  const json j = json::parse(text, nullptr, false);
  if (!s.awaiting_ready || s.ticket || !j.is_object() || !j.contains("ready")) {
    handle(s, text, jobs, on_result);
    return;
  }
  s.awaiting_ready = false;
  const std::string host = j.contains("host") && j["host"].is_string() ? j["host"].get<std::string>() : "?";
  if (!j["ready"].is_boolean() || !j["ready"].get<bool>())
    throw UserError(fmt::format("rank {} (host {}) cannot evaluate: {}", s.rank, host,
                                j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "?"));
  try {
    s.stats.gpu_uuid = j.at("gpu_uuid").get<std::string>();
    s.stats.host = host;
    s.cudnn_us = j.at("cudnn_us").get<double>();
    const std::string arch = j.at("arch").get<std::string>();
    if (!opt_.arch.empty() && arch != opt_.arch)
      throw UserError(fmt::format("rank {} (host {}): its GPU {} is {}, the campaign's arch is {}", s.rank, host,
                                  s.stats.gpu_uuid, arch, opt_.arch));
  } catch (const json::exception& e) {
    s.stats.refused = true;
    s.stats.refused_why = std::string("answered the session with a malformed ready (") + e.what() + ")";
    log(fmt::format("mpi: {} {}: refused", s.who(), s.stats.refused_why));
  }
}

double RankPool::cudnn_median_us() const {
  for (auto& s : slots_)
    if (s->live() && !s->awaiting_ready) return s->cudnn_us;
  return 0;
}

void RankPool::dispatch(std::vector<Job>& jobs, std::vector<size_t>& pending) {
  std::erase_if(pending, [&](size_t i) { return jobs[i].answered; });
  for (auto& s : slots_) {
    if (!s->live() || s->ticket || s->awaiting_ready || pending.empty()) continue;
    const auto it = std::find_if(pending.begin(), pending.end(), [&](size_t i) {
      return std::find(jobs[i].ranks.begin(), jobs[i].ranks.end(), s->rank) == jobs[i].ranks.end();
    });
    if (it == pending.end()) continue;
    const size_t i = *it;
    pending.erase(it);
    const long ticket = next_ticket_++;
    tickets_[ticket] = {batch_, i};
    EvalRequest r = jobs[i].request;
    r.id = ticket;  // unique over the whole run: a late answer from an earlier session cannot pass for a new one
    s->ticket = ticket;
    s->since = Clock::now();
    jobs[i].ranks.push_back(s->rank);
    if (s->local) s->result = std::async(std::launch::async, [runner = s->runner.get(), r] { return runner->run(r); });
    else link_.send(s->rank, json_text(to_json(r)));
  }
}

// One answer (text from a remote rank; from rank 0's own runner its future) to the slot's request. jobs null:
// no batch is running (a session switch or stop), so whatever comes is late.
void RankPool::handle(Slot& s, const std::string& text, std::vector<Job>* jobs, const EvalRunner::OnResult& on_result) {
  const long ticket = s.ticket;
  if (!ticket) {
    s.stats.refused = true;
    s.stats.refused_why = "answered while it had no request";
    log(fmt::format("mpi: {} {}: refused", s.who(), s.stats.refused_why));
    return;
  }
  s.ticket = 0;
  const auto [batch, index] = tickets_.at(ticket);
  tickets_.erase(ticket);
  Job* job = jobs && batch == batch_ ? &(*jobs)[index] : nullptr;
  Evaluation e;
  bool refused_now = false;  // the answer was garbage: a failed evaluation, not one the rank made
  if (s.local) {
    e = s.result.get();  // a runner that cannot work at all throws here, as it would serially
  } else {
    try {
      const WorkerLine w = worker_line_from_json(parse_json_text(text, "reply"), ticket);
      if (!w.reply) throw ProtocolError("a progress line where a reply was expected");
      e = w.reply->evaluation;
      if (job && !(e.config == job->request.config))
        throw ProtocolError(fmt::format("a reply for {}, the request was {}", e.config.name(), job->request.config.name()));
    } catch (const std::exception& ex) {
      s.stats.refused = true;
      s.stats.refused_why = fmt::format("answered request {} with something malformed ({})", ticket, ex.what());
      log(fmt::format("mpi: {} {}: refused, no further request goes there", s.who(), s.stats.refused_why));
      if (!job || job->answered) return;
      refused_now = true;
      e = Evaluation{};
      e.config = job->request.config;
      e.source_hash = request_source_hash(job->request);
      e.error = fmt::format("{} answered something malformed ({}): rank refused", s.who(), ex.what());
    }
  }
  if (!job || job->answered) {
    ++s.stats.late;
    log(fmt::format("mpi: late answer of {} to request {} dropped (answered elsewhere first)", s.who(), ticket));
    return;
  }
  job->answered = true;
  job->evaluation = e;
  if (!refused_now) ++s.stats.evaluated;
  if (on_result) on_result(index, job->evaluation);
}

void RankPool::poll(std::vector<Job>& jobs, const EvalRunner::OnResult& on_result, double timeout_s) {
  for (auto& s : slots_)
    if (s->local && s->ticket && s->result.wait_for(std::chrono::seconds(0)) == std::future_status::ready)
      handle(*s, "", &jobs, on_result);
  if (auto m = link_.receive(timeout_s))
    if (Slot* s = slot_of_rank(m->rank); s && !s->local) on_message(*s, m->text, &jobs, on_result);
}

void RankPool::reissue_overdue(std::vector<Job>& jobs, std::vector<size_t>& pending) {
  for (auto& s : slots_) {
    if (!s->ticket || seconds_since(s->since) <= opt_.reissue_after_s) continue;
    const auto [batch, index] = tickets_.at(s->ticket);
    if (batch != batch_ || jobs[index].answered || jobs[index].reissued) continue;
    jobs[index].reissued = true;
    ++s->stats.reissued;
    pending.insert(pending.begin(), index);
    log(fmt::format("mpi: request {} ({}) pending on {} for {:.1f} s (limit {:.1f} s): re-issued to another rank",
                    s->ticket, jobs[index].request.config.name(), s->who(), seconds_since(s->since), opt_.reissue_after_s));
  }
}

std::vector<Evaluation> RankPool::run_batch(const std::vector<EvalRequest>& requests, const EvalRunner::OnResult& on_result) {
  ++batch_;
  std::vector<Job> jobs(requests.size());
  std::vector<size_t> pending;
  for (size_t i = 0; i < requests.size(); ++i) {
    jobs[i].request = requests[i];
    pending.push_back(i);
  }
  auto open = [&] { return std::any_of(jobs.begin(), jobs.end(), [](const Job& j) { return !j.answered; }); };
  while (open()) {
    if (std::none_of(slots_.begin(), slots_.end(), [](auto& s) { return s->live(); }))
      throw std::runtime_error("mpi: every evaluating rank was refused (see the lines above)");
    dispatch(jobs, pending);
    poll(jobs, on_result, kPollS);
    reissue_overdue(jobs, pending);
  }
  std::vector<Evaluation> out;
  for (auto& j : jobs) out.push_back(j.evaluation);
  return out;
}

Evaluation RankPool::run_on_rank0(const GpuEvalOptions& go, const EvalRequest& r, double* cudnn_us) {
  if (!opt_.local) throw std::logic_error("run_on_rank0: rank 0 does not evaluate");
  auto runner = opt_.local(go);
  if (cudnn_us) *cudnn_us = runner->cudnn_median_us();
  return runner->run(r);
}

void RankPool::stop() {
  if (stopped_) return;
  stopped_ = true;
  std::set<int> waiting;
  for (auto& s : slots_) {
    if (s->local) {
      if (s->ticket) s->result.wait();
      continue;
    }
    link_.send(s->rank, json_text(json{{"stop", true}}));
    waiting.insert(s->rank);
  }
  while (!waiting.empty())
    if (auto m = link_.receive(1.0)) {
      const json j = json::parse(m->text, nullptr, false);
      if (j.is_object() && j.contains("bye")) waiting.erase(m->rank);
      else if (Slot* s = slot_of_rank(m->rank); s && s->ticket) handle(*s, m->text, nullptr, {});  // a late answer
      // anything else (a ready nobody waits for any more) is dropped
    }
}

std::vector<RankStats> RankPool::stats() const {
  std::vector<RankStats> out;
  for (auto& s : slots_) out.push_back(s->stats);
  return out;
}

std::string RankPool::stats_text() const {
  std::string t;
  for (auto& s : slots_)
    t += fmt::format("mpi: rank {} {} on {}: {} evaluated, {} late answers dropped, {} re-issued{}\n", s->rank,
                     s->stats.gpu_uuid, s->stats.host.empty() ? "this host" : s->stats.host, s->stats.evaluated,
                     s->stats.late, s->stats.reissued, s->stats.refused ? ", refused: " + s->stats.refused_why : "");
  return t;
}

int serve_rank(RankLink& link, const RankIdentity& id, const RunnerFactory& make,
               const std::function<std::string(const std::string&)>& tamper) {
  std::unique_ptr<EvalRunner> runner;
  for (;;) {
    auto m = link.receive(1.0);
    if (!m || m->rank != 0) continue;
    const json j = parse_json_text(m->text, "message from rank 0");
    if (j.contains("stop")) {
      link.send(0, json_text(json{{"bye", true}}));
      return 0;
    }
    if (j.contains("session")) {
      json ready;
      try {
        runner.reset();
        runner = make(session_from_json(j).options);
        ready = {{"ready", true}, {"cudnn_us", runner->cudnn_median_us()}, {"gpu_uuid", id.gpu_uuid},
                 {"arch", id.arch}, {"host", id.host}};
      } catch (const std::exception& e) {
        ready = {{"ready", false}, {"error", e.what()}, {"host", id.host}};
      }
      link.send(0, json_text(ready));
      continue;
    }
    const EvalRequest req = request_from_json(j);
    EvalReply rep;
    rep.id = req.id;
    Evaluation& e = rep.evaluation;
    try {
      if (!runner) throw std::runtime_error("no session on this rank");
      e = runner->run(req);
    } catch (const std::exception& ex) {
      e = Evaluation{};
      e.config = req.config;
      e.source_hash = request_source_hash(req);
      e.error = std::string("the rank's runner failed: ") + ex.what();
    }
    if (e.gpu_uuid.empty()) e.gpu_uuid = id.gpu_uuid;
    const std::string text = json_text(to_json(rep));
    link.send(0, tamper ? tamper(text) : text);
  }
}

}  // namespace attnlab
