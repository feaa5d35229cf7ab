// The external proposer protocol, driven by a scripted proposer: a shell script written at test time
// that saves each request and answers a canned response per generation.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

#include "core/error.hpp"
#include "search/proposer.hpp"
#include "search/tuner.hpp"

namespace attnlab {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "attnlab-proposer-test-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
  nlohmann::json read_json(const std::string& name) const {
    std::ifstream in(path / name);
    return nlohmann::json::parse(in);
  }
};

// Saves stdin as request_<n>.json and prints response_<n>.json (or no candidates) for the n-th call.
std::string scripted_proposer(const TempDir& dir) {
  dir.write("proposer.sh", "#!/bin/sh\n"
                           "d='" + dir.path.string() + "'\n"
                           "n=$(cat \"$d/count\" 2>/dev/null || echo 0)\n"
                           "cat > \"$d/request_$n.json\"\n"
                           "echo $((n + 1)) > \"$d/count\"\n"
                           "echo \"proposer generation $n\" >&2\n"
                           "if [ -f \"$d/response_$n.json\" ]; then cat \"$d/response_$n.json\"; "
                           "else echo '{\"candidates\": []}'; fi\n");
  chmod(dir.file("proposer.sh").c_str(), 0755);
  return dir.file("proposer.sh");
}

// Fitness from the config alone; records what reached it, and accepts source candidates (as the GPU
// evaluator does, after its gate).
struct FakeEvaluator : Evaluator {
  std::vector<std::string> seen;
  std::vector<Evaluation> evaluate(const std::vector<TileConfig>& configs) override {
    std::vector<Evaluation> out;
    for (auto& c : configs) {
      seen.push_back(c.name());
      Evaluation e;
      e.config = c;
      e.compiled = e.correct = true;
      e.registers = 128;
      e.tflops = 100.0 + c.knob("block_m") + c.knob("block_n");
      out.push_back(e);
    }
    return out;
  }
};
struct FakeSourceEvaluator : FakeEvaluator, SourceEvaluator {
  std::vector<std::string> sources;
  std::vector<Evaluation> evaluate_sources(const std::vector<Candidate>& candidates) override {
    std::vector<TileConfig> configs;
    for (auto& c : candidates) {
      sources.push_back(c.source_file);
      configs.push_back(c.config);
    }
    auto out = evaluate(configs);
    for (auto& e : out) e.source_hash = "variant";
    return out;
  }
};

SearchSpace h100_d128() { return SearchSpace(128, ArchLimits::for_arch("sm_90a")); }

TEST(Proposer, ScriptedProposerDrivesATune) {
  TempDir dir;
  auto space = h100_d128();
  dir.write("variant.cuh", "// a kernel variant\n");
  dir.write("response_0.json", R"({"candidates": [
      {"config": "m128n64w8s3-swz-qreg", "note": "the one"},
      {"config": "m128n64w4s2-swz-qreg"},
      {"config": "fastest-please"},
      {"config": "m64n32w4s2-swz-qsm", "source_file": ")" + dir.file("variant.cuh") + R"("},
      {"config": "m64n32w4s2-swz-qsm", "source_file": ")" + dir.file("missing.cuh") + R"("},
      {"config": "m128n64w8s3-swz-qreg"},
      {"config": "m64n64w4s2-swz-qsm", "tflops": 9999}
    ]})");
  dir.write("response_1.json", R"({"candidates": [{"config": "m128n64w8s3-swz-qreg"}, {"config": "m64n64w4s3-swz-qsm"}]})");

  TuneOptions opt;
  opt.budget = 20;
  opt.population = 6;
  ProposerStrategy proposer(space, {scripted_proposer(dir), 30, true});
  FakeSourceEvaluator eval;
  Tuner tuner(space, proposer, eval, opt);
  std::vector<std::vector<std::string>> rejections;
  tuner.on_generation([&](const GenerationReport&) { rejections.push_back(proposer.rejections()); });
  auto result = tuner.run();

  // Generation 0: 4 accepted (one repaired), 3 rejected; generation 1: 1 new; then nothing.
  const auto& t = tuner.history().trials();
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(result.stop_reason, "space exhausted");
  EXPECT_EQ(t[0].eval.config.name(), "m128n64w8s3-swz-qreg");
  EXPECT_TRUE(space.valid(t[1].eval.config));  // repaired, never evaluated as proposed
  EXPECT_NE(t[1].eval.config.name(), "m128n64w4s2-swz-qreg");
  EXPECT_EQ(t[2].eval.config.name(), "m64n32w4s2-swz-qsm");
  EXPECT_EQ(t[2].source_file, fs::absolute(dir.file("variant.cuh")).lexically_normal().string());
  EXPECT_EQ(t[2].eval.source_hash, "variant");
  EXPECT_EQ(t[3].eval.tflops, 100 + 64 + 64);  // the proposer's own "tflops" is ignored
  EXPECT_EQ(t[4].eval.config.name(), "m64n64w4s3-swz-qsm");
  EXPECT_EQ(t[4].generation, 1);
  EXPECT_EQ(eval.sources.size(), 1u);
  ASSERT_EQ(rejections.size(), 2u);
  EXPECT_EQ(rejections[0].size(), 3u);  // unparsable, missing source, repeated
  EXPECT_EQ(rejections[1].size(), 1u);  // already evaluated

  // What the proposer was sent.
  auto r0 = dir.read_json("request_0.json"), r1 = dir.read_json("request_1.json");
  EXPECT_EQ(r0["schema"], "attnlab.proposer/1");
  EXPECT_EQ(r0["generation"], 0);
  EXPECT_EQ(r0["want"], 6);
  EXPECT_EQ(r0["head_dim"], 128);
  EXPECT_EQ(r0["arch"], "sm_90a");
  EXPECT_EQ(r0["space"]["block_n"], nlohmann::json({32, 64, 128}));
  EXPECT_EQ(r0["valid_configs"].size(), space.size());
  EXPECT_TRUE(r0["history"].empty());
  EXPECT_EQ(r1["generation"], 1);
  ASSERT_EQ(r1["history"].size(), 4u);
  const auto& h = r1["history"][2];
  EXPECT_EQ(h["config"], "m64n32w4s2-swz-qsm");
  EXPECT_EQ(h["registers"], 128);
  EXPECT_EQ(h["correct"], true);
  EXPECT_FALSE(h["source_file"].get<std::string>().empty());
  for (auto* key : {"tflops", "error", "spill_bytes", "compiled", "max_error"}) EXPECT_TRUE(h.contains(key)) << key;
  EXPECT_NE(r0["seed"], r1["seed"]);
}

TEST(Proposer, InvalidConfigsRejectedWhenRepairIsOff) {
  TempDir dir;
  auto space = h100_d128();
  dir.write("response_0.json", R"({"candidates": [{"config": "m128n64w4s2-swz-qreg"}, {"config": "m64n64w4s2-swz-qsm"}]})");
  ProposerStrategy proposer(space, {scripted_proposer(dir), 30, false});
  Rng rng(1);
  auto c = proposer.propose(History{}, 8, rng);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].config.name(), "m64n64w4s2-swz-qsm");
  ASSERT_EQ(proposer.rejections().size(), 1u);
  EXPECT_NE(proposer.rejections()[0].find("registers"), std::string::npos);
}

TEST(Proposer, SourceCandidatesNeedAGatingEvaluator) {
  TempDir dir;
  auto space = h100_d128();
  dir.write("v.cuh", "x");
  dir.write("response_0.json", R"({"candidates": [{"config": "m64n64w4s2-swz-qsm", "source_file": ")" +
                                   dir.file("v.cuh") + R"("}]})");
  ProposerStrategy proposer(space, {scripted_proposer(dir), 30, true});
  FakeEvaluator plain;  // no SourceEvaluator: the source candidate fails instead of running ungated
  TuneOptions opt;
  opt.budget = 4;
  Tuner tuner(space, proposer, plain, opt);
  tuner.run();
  ASSERT_EQ(tuner.history().size(), 1u);
  EXPECT_FALSE(tuner.history().trials()[0].eval.ok());
  EXPECT_NE(tuner.history().trials()[0].eval.error.find("source candidates"), std::string::npos);
  EXPECT_TRUE(plain.seen.empty());
}

TEST(Proposer, FailuresAreUserErrorsWithStderr) {
  auto space = h100_d128();
  Rng rng(1);
  auto expect_error = [&](const std::string& cmd, const std::string& fragment, double timeout = 30) {
    ProposerStrategy p(space, {cmd, timeout, true});
    try {
      p.propose(History{}, 4, rng);
      ADD_FAILURE() << cmd << ": no error";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_error("echo 'model not loaded' >&2; exit 3", "status 3");
  expect_error("echo 'model not loaded' >&2; exit 3", "model not loaded");
  expect_error("echo 'not json'; echo 'diagnostic' >&2", "malformed JSON");
  expect_error("echo 'not json'; echo 'diagnostic' >&2", "diagnostic");
  expect_error("echo '{\"configs\": []}'", "no \"candidates\"");
  expect_error("echo 'thinking...' >&2; sleep 20", "timed out", 0.3);
  expect_error("/nonexistent/proposer", "status 127");
  EXPECT_THROW(ProposerStrategy(space, {"", 30, true}), UserError);
}

// A malformed candidate is rejected with its reason and the others go on (docs/proposer-protocol.md):
// before, a number out of range in a config name ("stoi") or a non-object entry aborted the whole tune.
TEST(Proposer, MalformedCandidatesAreRejectedNotFatal) {
  auto space = h100_d128();
  Rng rng(1);
  ProposerStrategy p(space, {"echo '{\"candidates\": [{\"cfg\": \"x\"}, \"m64n64w4s2-swz-qsm\", {\"config\": 5}, "
                             "{\"config\": \"m99999999999n64w4s2-swz-qsm\"}, {\"config\": \"m128n64w4s2-swz-qsm\"}]}'",
                             30, true});
  std::vector<Candidate> got;
  ASSERT_NO_THROW(got = p.propose(History{}, 8, rng));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].config.name(), "m128n64w4s2-swz-qsm");
  ASSERT_EQ(p.rejections().size(), 4u);
  std::string all;
  for (auto& r : p.rejections()) all += r + "\n";
  EXPECT_NE(all.find("no \"config\""), std::string::npos) << all;
  EXPECT_NE(all.find("not an object"), std::string::npos) << all;
  EXPECT_NE(all.find("not a string"), std::string::npos) << all;
  EXPECT_NE(all.find("out of range"), std::string::npos) << all;
  EXPECT_EQ(all.find("stoi"), std::string::npos) << all;
}

// Issue 9, item 10: when the proposer's every candidate is unusable the tune says so ("space exhausted"
// before); a source file that is a device is named as such ("does not exist" before); the proposer's
// stderr reaches the terminal without its escape sequences.
TEST(Proposer, EveryCandidateRejectedSaysSoAndNamesWhy) {
  TempDir dir;
  auto space = h100_d128();
  fs::create_directories(dir.path / "folder.cuh");
  dir.write("response_0.json", R"({"candidates": [{"config": "fastest-please"},
      {"config": "m64n64w4s2-swz-qsm", "source_file": "/dev/zero"},
      {"config": "m64n64w4s2-swz-qsm", "source_file": ")" + dir.file("missing.cuh") + R"("},
      {"config": "m64n64w4s2-swz-qsm", "source_file": ")" + dir.file("folder.cuh") + R"("}]})");
  ProposerStrategy proposer(space, {scripted_proposer(dir), 30, true});
  FakeSourceEvaluator eval;
  TuneOptions opt;
  opt.budget = 8;
  Tuner tuner(space, proposer, eval, opt);
  const auto result = tuner.run();
  EXPECT_EQ(tuner.history().size(), 0u);
  EXPECT_EQ(result.stop_reason.rfind("all 4 proposals rejected: 'fastest-please': ", 0), 0u) << result.stop_reason;
  ASSERT_EQ(proposer.rejections().size(), 4u);
  EXPECT_NE(proposer.rejections()[1].find("'/dev/zero' is not a regular file"), std::string::npos) << proposer.rejections()[1];
  EXPECT_NE(proposer.rejections()[2].find("does not exist"), std::string::npos) << proposer.rejections()[2];
  EXPECT_NE(proposer.rejections()[3].find("is a folder"), std::string::npos) << proposer.rejections()[3];
}

TEST(Proposer, StderrEscapeSequencesAreNotPrinted) {
  auto space = h100_d128();
  Rng rng(1);
  ProposerStrategy p(space, {"printf '\\033[2J\\033[31mmodel not loaded\\033[0m\\n\\033]0;title\\007' >&2; exit 3", 30, true});
  try {
    p.propose(History{}, 4, rng);
    FAIL() << "no error";
  } catch (const UserError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("model not loaded"), std::string::npos) << what;
    EXPECT_EQ(what.find('\x1b'), std::string::npos) << what;
    EXPECT_EQ(what.find('\x07'), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace attnlab
