// The evaluation interface (src/search/eval_protocol, eval_runner): every message round-trips and a malformed
// one is refused naming the field; the worker runner against a fake worker (tests/fixtures/fake_eval_worker.py)
// that answers, hangs in the compile or gate phase, crashes, answers garbage or another request's id, or
// leaves its CUDA context dead: each is a failed evaluation naming what happened, and the next request gets a
// fresh worker; the replay runner answers from recorded evaluations. No GPU needed.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "search/eval_protocol.hpp"
#include "search/eval_runner.hpp"

using namespace attnlab;

namespace {
namespace fs = std::filesystem;
const std::string kFake = (fs::path(ATTNLAB_SOURCE_DIR) / "tests/fixtures/fake_eval_worker.py").string();

EvalSession session(double compile_timeout_s = 2) {
  EvalSession s;
  s.options.target = AttnProblem::make(2, 16, 16, 2048, 2048, 128, DType::bf16, true);
  s.options.max_time_s = 0.3;
  s.options.compile_timeout_s = compile_timeout_s;
  s.options.sanitize_timeout_s = 17;
  return s;
}
EvalRequest request(long id) { return {id, TileConfig::parse("m128n64w4s2-swz-qsm"), "", ""}; }
std::vector<std::string> fake(const std::string& mode, const std::string& flag = "") {
  std::vector<std::string> a = {"python3", kFake, mode};
  if (!flag.empty()) a.push_back(flag);
  return a;
}
}  // namespace

TEST(EvalProtocol, MessagesRoundTrip) {
  const EvalSession s = session();
  const EvalSession back = session_from_json(to_json(s));
  EXPECT_EQ(back.options.target.describe(), s.options.target.describe());
  EXPECT_DOUBLE_EQ(back.options.max_time_s, 0.3);
  EXPECT_DOUBLE_EQ(back.options.sanitize_timeout_s, 17);  // every option crosses, not only the target
  EvalRequest r{7, TileConfig::parse("sm90-m128n128s2-pp-ov-pers"), "// a source", "/tmp/x.cuh"};
  const EvalRequest rb = request_from_json(to_json(r));
  EXPECT_EQ(rb.id, 7);
  EXPECT_EQ(rb.config, r.config);
  EXPECT_EQ(rb.source_text, "// a source");
  EvalReply rep;
  rep.id = 7;
  rep.evaluation.config = r.config;
  rep.evaluation.tflops = 5;
  const WorkerLine w = worker_line_from_json(to_json(rep), 7);
  ASSERT_TRUE(w.reply);
  EXPECT_DOUBLE_EQ(w.reply->evaluation.tflops, 5);
  const WorkerLine p = worker_line_from_json(to_json(EvalProgress{7, "gated", 12.5}), 7);
  ASSERT_TRUE(p.progress);
  EXPECT_DOUBLE_EQ(p.progress->next_limit_s, 12.5);
}

TEST(EvalProtocol, MalformedMessagesNameTheField) {
  auto msg = [](auto f) {
    try {
      f();
    } catch (const ProtocolError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(msg([] { session_from_json(nlohmann::json::array()); }).find("session"), std::string::npos);
  auto s = to_json(session());
  s["session"]["target"]["head_dim"] = 100;
  EXPECT_NE(msg([&] { session_from_json(s); }).find("head dim"), std::string::npos);
  auto r = to_json(request(1));
  r["config"] = "m999";
  EXPECT_NE(msg([&] { request_from_json(r); }).find("request"), std::string::npos);
  r = to_json(request(1));
  r.erase("source_text");
  EXPECT_NE(msg([&] { request_from_json(r); }).find("source_text"), std::string::npos);
  EXPECT_NE(msg([] { worker_line_from_json(to_json(EvalProgress{3, "gated", 1}), 4); }).find("expected 4"), std::string::npos);
  EXPECT_NE(msg([] { worker_line_from_json(to_json(EvalProgress{3, "dancing", 1}), 3); }).find("dancing"), std::string::npos);
  EXPECT_NE(msg([] { worker_line_from_json(nlohmann::json{{"reply", 1}}, 1); }).find("evaluation"), std::string::npos);
}

TEST(WorkerRunner, AnswersAndCarriesTheSession) {
  WorkerRunner w(session(), fake("ok"));
  EXPECT_DOUBLE_EQ(w.cudnn_median_us(), 42.0);
  const Evaluation e = w.run(request(1));
  EXPECT_TRUE(e.ok()) << e.error;
  EXPECT_DOUBLE_EQ(e.tflops, 123.0);
  EXPECT_TRUE(w.run(request(2)).ok());
  EXPECT_EQ(w.starts(), 1);  // one worker for both
}

TEST(WorkerRunner, AHangIsKilledAtThePhaseLimitAndAFreshWorkerAnswersNext) {
  const std::string flag = (fs::path(::testing::TempDir()) / "fake_worker_starts").string();
  fs::remove(flag);
  WorkerRunner w(session(1.0), fake("once_hang", flag));
  const auto t0 = std::chrono::steady_clock::now();
  const Evaluation e = w.run(request(1));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_FALSE(e.ok());
  EXPECT_NE(e.error.find("timed out after 1 s in the compile phase"), std::string::npos) << e.error;
  const Evaluation next = w.run(request(2));
  EXPECT_TRUE(next.ok()) << next.error;
  EXPECT_EQ(w.starts(), 2);
}

TEST(WorkerRunner, TheGatePhaseHasTheLimitTheWorkerAnnounced) {
  WorkerRunner w(session(5.0), fake("hang_gate"));
  const Evaluation e = w.run(request(1));
  EXPECT_NE(e.error.find("in the gate phase (limit 0 s"), std::string::npos) << e.error;  // 0.5 s, rounded
  EXPECT_TRUE(e.compiled);
}

TEST(WorkerRunner, CrashGarbageWrongIdAndDeadContextAreFailuresNamedAsSuch) {
  {
    WorkerRunner w(session(), fake("crash"));
    const Evaluation e = w.run(request(1));
    EXPECT_NE(e.error.find("the evaluation worker died in the compile phase"), std::string::npos) << e.error;
  }
  {
    WorkerRunner w(session(), fake("garbage"));
    const Evaluation e = w.run(request(1));
    EXPECT_NE(e.error.find("answered something malformed"), std::string::npos) << e.error;
    EXPECT_FALSE(e.ok());
  }
  {
    WorkerRunner w(session(), fake("wrong_id"));
    const Evaluation e = w.run(request(5));
    EXPECT_NE(e.error.find("reply to request 6, expected 5"), std::string::npos) << e.error;
  }
  {
    WorkerRunner w(session(), fake("cuda_dead"));
    const Evaluation e = w.run(request(1));
    EXPECT_EQ(e.error, "illegal address");
    w.run(request(2));  // the worker exited with its context: a new one was started for this request
    EXPECT_EQ(w.starts(), 2);
  }
}

TEST(WorkerRunner, AWorkerThatCannotStartThrows) {
  EXPECT_THROW(WorkerRunner(session(), {"/nonexistent/attnlab-worker"}), std::runtime_error);
}

TEST(ReplayRunner, AnswersFromTheRecording) {
  Evaluation rec;
  rec.config = TileConfig::parse("m128n64w4s2-swz-qsm");
  rec.source_hash = request_source_hash(request(1));
  rec.compiled = rec.correct = true;
  rec.tflops = 321;
  ReplayRunner r({rec}, 11.0);
  EXPECT_DOUBLE_EQ(r.run(request(1)).tflops, 321);
  EvalRequest other = request(2);
  other.source_text = "// another kernel";
  EXPECT_NE(r.run(other).error.find("not in the recording"), std::string::npos);
}
