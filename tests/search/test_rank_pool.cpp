// Evaluations spread over ranks (src/search/rank_pool): ranks in threads of this process, joined by an in-process
// link instead of MPI. A batch is spread dynamically and comes back in request order, every request answered
// once; a rank past the time limit has its request re-issued and its late answer dropped; a rank that answers
// garbage (malformed, another request's id) is a failed evaluation naming it and gets nothing more; ranks switch
// target with each session; a rank of another arch is refused. The mpirun path is tests/cli/test_mpi.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "io/json_text.hpp"
#include "search/rank_pool.hpp"
#include "search/synthetic_runner.hpp"

using namespace attnlab;

namespace {
struct Hub {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::deque<RankMessage>> box;
  explicit Hub(int n) : box(size_t(n)) {}
};

class HubLink : public RankLink {
 public:
  HubLink(Hub& h, int me) : h_(h), me_(me) {}
  int rank() const override { return me_; }
  int size() const override { return int(h_.box.size()); }
  void send(int to, const std::string& text) override {
    {
      std::lock_guard<std::mutex> l(h_.m);
      h_.box[size_t(to)].push_back({me_, text});
    }
    h_.cv.notify_all();
  }
  std::optional<RankMessage> receive(double timeout_s) override {
    std::unique_lock<std::mutex> l(h_.m);
    auto& q = h_.box[size_t(me_)];
    h_.cv.wait_for(l, std::chrono::duration<double>(timeout_s), [&] { return !q.empty(); });
    if (q.empty()) return std::nullopt;
    RankMessage m = q.front();
    q.pop_front();
    return m;
  }

 private:
  Hub& h_;
  int me_;
};

// Synthetic TFLOP/s, with a delay per evaluation chosen by the test and a count per rank.
struct Counts {
  std::mutex m;
  std::map<int, int> per_rank;
  std::multiset<std::string> evaluated;  // "shape config"
};
class DelayRunner : public EvalRunner {
 public:
  DelayRunner(const AttnProblem& p, int rank, std::function<double(int rank, int nth)> delay, Counts& c)
      : p_(p), rank_(rank), delay_(std::move(delay)), c_(c) {}
  double cudnn_median_us() const override { return 100.0 + rank_; }
  bool launches_kernels() const override { return false; }
  Evaluation run(const EvalRequest& r) override {
    std::this_thread::sleep_for(std::chrono::duration<double>(delay_(rank_, nth_++)));
    {
      std::lock_guard<std::mutex> l(c_.m);
      ++c_.per_rank[rank_];
      c_.evaluated.insert(std::to_string(p_.seqlen_q) + " " + r.config.name());
    }
    Evaluation e;
    e.config = r.config;
    e.compiled = e.correct = true;
    e.tflops = synthetic_tflops(r.config, p_);
    return e;
  }

 private:
  AttnProblem p_;
  int rank_, nth_ = 0;
  std::function<double(int, int)> delay_;
  Counts& c_;
};

// Ranks 1..n-1 serve in threads; rank 0 evaluates too.
struct Cluster {
  Hub hub;
  Counts counts;
  std::vector<std::thread> ranks;
  std::unique_ptr<HubLink> link0;
  std::unique_ptr<RankPool> pool;
  std::vector<std::string> log;
  Cluster(int n, std::function<double(int, int)> delay, double reissue_after_s = 900,
          std::map<int, std::function<std::string(const std::string&)>> tamper = {},
          std::map<int, std::string> arch = {})
      : hub(n) {
    for (int r = 1; r < n; ++r)
      ranks.emplace_back([this, r, delay, tamper, arch] {
        HubLink l(hub, r);
        RankIdentity id{"GPU-test-" + std::to_string(r), arch.count(r) ? arch.at(r) : "sm_90a", "host" + std::to_string(r)};
        serve_rank(l, id, [&](const GpuEvalOptions& go) { return std::make_unique<DelayRunner>(go.target, r, delay, counts); },
                   tamper.count(r) ? tamper.at(r) : nullptr);
      });
    link0 = std::make_unique<HubLink>(hub, 0);
    RankPoolOptions o;
    o.reissue_after_s = reissue_after_s;
    o.arch = "sm_90a";
    o.local_uuid = "GPU-test-0";
    o.local = [this, delay](const GpuEvalOptions& go) { return std::make_unique<DelayRunner>(go.target, 0, delay, counts); };
    o.log = [this](const std::string& s) { log.push_back(s); };
    pool = std::make_unique<RankPool>(*link0, o);
  }
  ~Cluster() {
    pool.reset();  // stop: every rank says goodbye
    for (auto& t : ranks) t.join();
  }
  std::string log_text() const {
    std::string s;
    for (auto& l : log) s += l + "\n";
    return s;
  }
};

GpuEvalOptions target(int s) {
  GpuEvalOptions go;
  go.target = AttnProblem::make(1, 8, 8, s, s, 128, DType::bf16, false);
  return go;
}

std::vector<EvalRequest> requests(size_t n) {
  static const char* names[] = {"sm90-m64n128s2-pp-ov-grid", "sm90-m128n128s2-pp-ov-grid", "sm90-m128n64s2-pp-ov-grid",
                                "sm90-m64n64s2-pp-ov-grid",  "sm90-m128n128s2-nopp-ov-grid", "sm90-m128n128s2-pp-noov-grid",
                                "sm90-m128n128s2-pp-ov-pers", "sm90-m64n128s2-pp-ov-pers"};
  std::vector<EvalRequest> out;
  for (size_t i = 0; i < n; ++i) {
    EvalRequest r;
    r.id = long(i + 1);
    r.config = TileConfig::parse(names[i % 8]);
    r.source_file = std::to_string(i);  // tells the requests apart in the test (messages only)
    out.push_back(r);
  }
  return out;
}
}  // namespace

TEST(RankPool, ABatchIsSpreadDynamicallyAndEveryRequestAnsweredOnceInOrder) {
  // Rank 2 is four times slower than the others: dynamic hand-out gives it about a quarter of their share.
  Cluster c(3, [](int rank, int) { return rank == 2 ? 0.008 : 0.002; });
  MpiRunner runner(*c.pool, target(1024));
  EXPECT_DOUBLE_EQ(runner.cudnn_median_us(), 100.0) << "the reference rank is rank 0, which evaluates";
  EXPECT_FALSE(runner.compiles_locally());
  const auto reqs = requests(60);
  std::vector<size_t> arrived;
  const auto out = runner.run_batch(reqs, [&](size_t i, const Evaluation&) { arrived.push_back(i); });
  ASSERT_EQ(out.size(), reqs.size());
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].config, reqs[i].config) << i;
    EXPECT_NEAR(out[i].tflops, synthetic_tflops(reqs[i].config, target(1024).target), 1e-9);
  }
  std::sort(arrived.begin(), arrived.end());
  for (size_t i = 0; i < arrived.size(); ++i) EXPECT_EQ(arrived[i], i) << "on_result once per request";
  ASSERT_EQ(arrived.size(), 60u);
  EXPECT_EQ(c.counts.per_rank[0] + c.counts.per_rank[1] + c.counts.per_rank[2], 60) << "nothing evaluated twice";
  EXPECT_GT(c.counts.per_rank[2], 0);
  EXPECT_LT(c.counts.per_rank[2], c.counts.per_rank[1]) << "the slow rank got less";
  const auto st = c.pool->stats();
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[1].gpu_uuid, "GPU-test-1");
  for (auto& e : out) EXPECT_TRUE(e.gpu_uuid.empty() || e.gpu_uuid.rfind("GPU-test-", 0) == 0);
}

TEST(RankPool, ARequestPastTheLimitIsReissuedAndTheLateAnswerDropped) {
  // Rank 1's first evaluation takes 1.5 s (over all sessions); the limit is 0.2 s.
  auto first = std::make_shared<std::atomic<bool>>(true);
  Cluster c(3, [first](int rank, int) { return rank == 1 && first->exchange(false) ? 1.5 : 0.001; }, 0.2);
  {
    MpiRunner runner(*c.pool, target(1024));
    const auto t0 = std::chrono::steady_clock::now();
    const auto out = runner.run_batch(requests(6), {});
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(took, 1.2) << "the batch did not wait for the slow rank";
    for (auto& e : out) EXPECT_TRUE(e.ok());
  }
  // The next session does not wait for the stalled rank; it gets work again once its ready arrives.
  const auto t1 = std::chrono::steady_clock::now();
  MpiRunner next(*c.pool, target(4096));
  EXPECT_EQ(next.run_batch(requests(3), {}).size(), 3u);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count(), 0.8)
      << "the session start waited for the slow rank";
  c.pool->stop();  // the slow rank's late answer arrives before its goodbye: dropped
  const auto st = c.pool->stats();
  EXPECT_EQ(st[1].reissued, 1) << c.log_text();
  EXPECT_EQ(st[1].late, 1) << c.log_text();
  EXPECT_NE(c.log_text().find("re-issued"), std::string::npos);
  EXPECT_NE(c.log_text().find("late answer of rank 1"), std::string::npos);
}

TEST(RankPool, ARankThatAnswersGarbageIsRefusedNamingIt) {
  for (const std::string kind : {"malformed", "wrong-id"}) {
    SimulatedFaults f;
    f.garbage_rank = 2;
    f.garbage = kind;
    Cluster c(3, [](int, int) { return 0.002; }, 900, {{2, f.tamper(2)}});
    MpiRunner runner(*c.pool, target(1024));
    const auto out = runner.run_batch(requests(20), {});
    int failed = 0;
    for (auto& e : out)
      if (!e.ok()) {
        ++failed;
        EXPECT_NE(e.error.find("rank 2 (GPU-test-2) answered something malformed"), std::string::npos) << e.error;
      }
    EXPECT_EQ(failed, 1) << kind << ": one failed evaluation, then the rank gets nothing more";
    const auto st = c.pool->stats();
    EXPECT_TRUE(st[2].refused) << kind;
    EXPECT_FALSE(st[1].refused);
    EXPECT_EQ(c.counts.per_rank[2], 1) << kind;
  }
}

TEST(RankPool, EverySessionSwitchesTheRanksTarget) {
  Cluster c(3, [](int, int) { return 0.001; });
  for (int s : {512, 8192}) {
    MpiRunner runner(*c.pool, target(s));
    const auto reqs = requests(9);
    const auto out = runner.run_batch(reqs, {});
    for (size_t i = 0; i < out.size(); ++i)
      EXPECT_NEAR(out[i].tflops, synthetic_tflops(reqs[i].config, target(s).target), 1e-9) << s;
  }
  std::set<std::string> shapes;
  for (auto& k : c.counts.evaluated) shapes.insert(k.substr(0, k.find(' ')));
  EXPECT_EQ(shapes, (std::set<std::string>{"512", "8192"}));
}

TEST(RankPool, ARankOfAnotherArchIsRefusedBeforeAnyEvaluation) {
  Cluster c(3, [](int, int) { return 0.001; }, 900, {}, {{2, "sm_80"}});
  try {
    MpiRunner runner(*c.pool, target(1024));
    FAIL() << "accepted a rank of another arch";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 2 (host host2)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sm_80"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(c.counts.evaluated.empty());
}
