// The PyTorch SDPA peer adapter (CPU only): request/response JSON, rejection of bad responses, and the script
// itself run without torch (a stub `torch` package that fails to import hides any real one).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "backends/torch_peer.hpp"
#include "core/process.hpp"
#include "core/error.hpp"
#include "measure/stats.hpp"

namespace attnlab {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kScript = fs::path(ATTNLAB_SOURCE_DIR) / "scripts" / "torch_peer.py";

struct EnvGuard {
  std::string name;
  std::optional<std::string> old;
  EnvGuard(const char* n, const std::string& v) : name(n) {
    if (const char* o = std::getenv(n)) old = o;
    setenv(n, v.c_str(), 1);
  }
  ~EnvGuard() { old ? setenv(name.c_str(), old->c_str(), 1) : unsetenv(name.c_str()); }
};

bool have_python3() { return run_process({"python3", "-c", "pass"}).exit_code == 0; }

// A directory with a `torch` package whose import fails: on PYTHONPATH it hides an installed torch.
std::string no_torch_dir() {
  const fs::path dir = fs::path(::testing::TempDir()) / "attnlab_no_torch";
  fs::create_directories(dir / "torch");
  std::ofstream(dir / "torch" / "__init__.py") << "raise ImportError('torch hidden by attnlab tests')\n";
  return dir.string();
}

std::vector<PeerCase> some_cases() {
  PeerCase a;  // defaults: torch-flash bf16 d=128, no scale, no seed
  a.batch = 4, a.heads = 16, a.heads_k = 16, a.seqlen_q = 4096, a.seqlen_k = 4096;
  PeerCase b;
  b.backend = "torch-cudnn", b.heads = 32, b.heads_k = 8, b.seqlen_q = 1000, b.seqlen_k = 3000, b.head_dim = 64;
  b.dtype = "fp16", b.causal = true, b.scale = 0.125, b.seed = 0xBEEFCAFE1234ull;
  return {a, b};
}

const char* kCanned = R"JSON({"schema": "attnlab.peer/1", "torch": "2.11.0+cu130", "cuda": "13.0", "cudnn": 91300,
 "device": "NVIDIA H100 80GB HBM3", "capability": "sm_90", "l2_bytes": 52428800, "results": [
 {"backend": "torch-flash", "batch": 4, "heads": 16, "heads_k": 16, "seqlen_q": 4096, "seqlen_k": 4096,
  "head_dim": 128, "dtype": "bf16", "causal": false, "scale": null, "status": "ok",
  "check": {"o_max_abs": 0.0078, "o_rel_l2": 0.0021, "pass": true, "seed": 123456789, "reference": "torch-fp64",
            "bad": 0, "deterministic": true},
  "kernels": ["Memset (Device)", "flash_fwd_kernel<...>"],
  "timing": {"median_us": 1500.5, "min_us": 1490.0, "q1_us": 1495.0, "q3_us": 1505.0, "max_us": 1512.5,
             "mean_us": 1501.0,
             "rel_stdev": 0.004, "samples": 3, "stop": "converged", "raw_us": [1490.0, 1500.5, 1512.5],
             "host_guard_us": 60.0, "kernel_sum_us": 1480.2, "method": "events+spin", "host_overhead": false},
  "tflops": 366.3},
 {"backend": "torch-efficient", "batch": 1, "heads": 32, "heads_k": 8, "seqlen_q": 128, "seqlen_k": 256,
  "head_dim": 256, "dtype": "fp16", "causal": true, "scale": 0.1, "status": "skipped",
  "reason": "torch-efficient refused the case: Memory efficient attention does not support GQA"},
 {"backend": "torch-math", "batch": 1, "heads": 2, "heads_k": 2, "seqlen_q": 64, "seqlen_k": 64,
  "head_dim": 64, "dtype": "fp16", "causal": true, "scale": null, "status": "failed",
  "reason": "check failed: O max-abs nan", "note": "x",
  "check": {"o_max_abs": null, "o_rel_l2": null, "pass": false, "seed": 7, "reference": "torch-fp32",
            "subset": "batches [0] of 1, heads [0] of 2", "bad": 12}},
 {"backend": "torch-flux", "batch": null, "heads": null, "heads_k": null, "seqlen_q": null, "seqlen_k": null,
  "head_dim": null, "dtype": null, "causal": null, "scale": null, "status": "failed",
  "reason": "invalid case: backend must be one of ..."}]})JSON";

TEST(TorchPeer, RequestRoundTrip) {
  const auto cases = some_cases();
  const std::string text = peer_request_json(cases, 7.5, 0.01);
  EXPECT_EQ(parse_peer_request(text), cases);
  const json j = json::parse(text);
  EXPECT_EQ(j["max_time_s"], 7.5);
  EXPECT_EQ(j["target_rel_stdev"], 0.01);
  EXPECT_TRUE(j["cases"][0]["scale"].is_null());
  EXPECT_FALSE(j["cases"][0].contains("seed"));
  EXPECT_EQ(j["cases"][1]["seed"].get<uint64_t>(), 0xBEEFCAFE1234ull);
  EXPECT_EQ(j["cases"][1]["backend"], "torch-cudnn");
  EXPECT_THROW(parse_peer_request(R"({"cases": [{"backend": "torch-flash"}]})"), UserError);
}

TEST(TorchPeer, CaseFromProblemMatchesFlops) {
  AttnProblem p;
  p.batch = 2, p.heads = 8, p.heads_k = 2, p.seqlen_q = 512, p.seqlen_k = 1024, p.head_dim = 64;
  p.dtype = DType::f16, p.causal = true;
  const PeerCase c = PeerCase::from_problem("torch-flash", p);
  EXPECT_EQ(c.dtype, "fp16");
  EXPECT_EQ(c.heads_k, 2);
  EXPECT_FALSE(c.scale.has_value());
  EXPECT_DOUBLE_EQ(c.flops(), p.flops());
  EXPECT_EQ(c.problem().describe(), p.describe());
  p.softmax_scale = 0.5f;
  const PeerCase s = PeerCase::from_problem("torch-math", p);
  EXPECT_EQ(s.scale, 0.5);
  EXPECT_EQ(s.problem().softmax_scale, 0.5f);
}

TEST(TorchPeer, ParsesCannedResponse) {
  const auto r = parse_peer_response(kCanned);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_TRUE(r[0].ok());
  EXPECT_EQ(r[0].c.backend, "torch-flash");
  EXPECT_EQ(r[0].c.seqlen_k, 4096);
  EXPECT_EQ(r[0].torch_version, "2.11.0+cu130");
  EXPECT_EQ(r[0].cudnn_version, 91300);
  EXPECT_EQ(r[0].device, "NVIDIA H100 80GB HBM3");
  ASSERT_TRUE(r[0].check && r[0].timing && r[0].tflops);
  EXPECT_TRUE(r[0].check->pass);
  EXPECT_EQ(r[0].check->seed, 123456789u);
  EXPECT_EQ(r[0].check->reference, "torch-fp64");
  EXPECT_EQ(r[0].check->deterministic, true);
  EXPECT_DOUBLE_EQ(r[0].timing->median_us, 1500.5);
  EXPECT_EQ(r[0].timing->samples, 3);
  EXPECT_EQ(r[0].timing->raw_us.size(), 3u);
  EXPECT_EQ(r[0].timing->stop, "converged");
  EXPECT_DOUBLE_EQ(r[0].timing->max_us, 1512.5);
  EXPECT_TRUE(r[0].timing->warning.empty());
  EXPECT_EQ(r[0].timing->kernel_sum_us, 1480.2);  // torch.profiler's kernel durations next to the events
  EXPECT_EQ(r[0].timing->method, "events+spin");
  EXPECT_FALSE(r[0].timing->host_overhead);
  EXPECT_DOUBLE_EQ(*r[0].tflops, 366.3);
  EXPECT_EQ(r[0].kernels.size(), 2u);
  EXPECT_NE(r[0].describe().find("H100"), std::string::npos);

  EXPECT_EQ(r[1].status, "skipped");
  EXPECT_NE(r[1].reason.find("GQA"), std::string::npos);
  EXPECT_EQ(r[1].c.heads_k, 8);
  EXPECT_EQ(r[1].c.scale, 0.1);
  EXPECT_FALSE(r[1].timing || r[1].check);

  EXPECT_EQ(r[2].status, "failed");
  ASSERT_TRUE(r[2].check);
  EXPECT_FALSE(r[2].check->pass);
  EXPECT_TRUE(std::isnan(r[2].check->o_max_abs));
  EXPECT_EQ(r[2].check->bad, 12);
  EXPECT_EQ(r[2].check->reference, "torch-fp32");
  EXPECT_FALSE(r[2].check->subset.empty());
  EXPECT_FALSE(r[2].timing);

  EXPECT_EQ(r[3].status, "failed");  // an invalid request case comes back echoed, with a reason
  EXPECT_EQ(r[3].c.backend, "torch-flux");
  EXPECT_NE(r[3].reason.find("invalid case"), std::string::npos);
}

TEST(TorchPeer, RejectsMalformedResponses) {
  json ok = json::parse(kCanned);
  auto with = [&](auto edit) {
    json j = ok;
    edit(j);
    return j.dump();
  };
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "not JSON"},
      {"{\"schema\": \"attnlab.peer/1\", \"results\": [", "not JSON"},
      {"[1, 2]", "not a JSON object"},
      {with([](json& j) { j["schema"] = "attnlab.peer/2"; }), "schema"},
      {with([](json& j) { j.erase("schema"); }), "schema"},
      {with([](json& j) { j.erase("results"); }), "results"},
      {with([](json& j) { j["results"] = 3; }), "results"},
      {with([](json& j) { j["results"][0]["status"] = "fine"; }), "unknown status"},
      {with([](json& j) { j["results"][0].erase("timing"); }), "without check, timing"},
      {with([](json& j) { j["results"][0]["check"]["pass"] = false; }), "failed check"},
      {with([](json& j) { j["results"][0]["timing"]["median_us"] = "fast"; }), "median_us"},
      {with([](json& j) { j["results"][0]["timing"]["raw_us"].push_back(1.0); }), "raw samples"},
      {with([](json& j) { j["results"][0]["check"]["reference"] = "numpy"; }), "reference"},
      {with([](json& j) { j["results"][1].erase("reason"); }), "reason"},
      {with([](json& j) { j["results"][1]["heads"] = 0; }), "heads"},
      {with([](json& j) { j["results"][1]["dtype"] = "fp8"; }), "dtype"},
  };
  for (const auto& [text, needle] : bad) {
    try {
      parse_peer_response(text);
      ADD_FAILURE() << "accepted: " << text.substr(0, 200);
    } catch (const UserError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("torch peer"), std::string::npos) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << "wanted '" << needle << "' in: " << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }
}

TEST(TorchPeer, ScriptWithoutTorchExitsWithMessage) {
  if (!have_python3()) GTEST_SKIP() << "no python3";
  ASSERT_TRUE(fs::exists(kScript)) << kScript;
  const auto syntax = run_process(
      {"python3", "-c", "import ast,sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", kScript.string()});
  EXPECT_EQ(syntax.exit_code, 0) << syntax.err;

  EnvGuard pythonpath("PYTHONPATH", no_torch_dir());
  const auto r = run_process({"python3", "-B", kScript.string()}, {.stdin_data = peer_request_json(some_cases(), 1.0)});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot import torch"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;  // stdout carries only the response JSON

  const auto m = run_process({"python3", "-B", kScript.string()}, {.stdin_data = "{\"cases\": 5}"});
  EXPECT_EQ(m.exit_code, 2) << m.err;
  EXPECT_NE(m.err.find("malformed request"), std::string::npos) << m.err;
  EXPECT_TRUE(m.out.empty()) << m.out;
}

TEST(TorchPeer, RunWithoutTorchReturnsWhy) {
  if (!have_python3()) GTEST_SKIP() << "no python3";
  EnvGuard pythonpath("PYTHONPATH", no_torch_dir());
  EnvGuard script("ATTNLAB_TORCH_PEER", kScript.string());
  std::string why;
  EXPECT_FALSE(find_torch_python(&why));
  EXPECT_NE(why.find("cannot import torch"), std::string::npos) << why;
  why.clear();
  EXPECT_TRUE(run_torch_peer(some_cases(), 1.0, &why).empty());
  EXPECT_EQ(why.rfind("skipped: python3 with CUDA-enabled torch not found", 0), 0u) << why;
  {
    EnvGuard py("ATTNLAB_PYTHON", "/nonexistent/python3");
    EXPECT_TRUE(run_torch_peer(some_cases(), 1.0, &why).empty());
    EXPECT_NE(why.find("ATTNLAB_PYTHON=/nonexistent/python3 cannot be run"), std::string::npos) << why;
  }
  EnvGuard missing("ATTNLAB_TORCH_PEER", "/nonexistent/torch_peer.py");
  EXPECT_FALSE(find_torch_peer_script(&why));
  EXPECT_NE(why.find("/nonexistent/torch_peer.py"), std::string::npos) << why;
}

// The script's statistics and stopping rule are a port of src/measure/stats.cpp: same numbers, same stop.
TEST(TorchPeer, ScriptStatsMatchCore) {
  if (!have_python3()) GTEST_SKIP() << "no python3";
  struct Seq {
    std::vector<double> x;
    double dt_s, max_time_s;
  };
  std::vector<Seq> seqs(3);
  for (int i = 0; i < 20000; ++i) {
    seqs[0].x.push_back(100 + (i * 7919 % 13));              // noisy: plateaus
    seqs[1].x.push_back(100 + (i % 2) * 0.1);                // quiet: converges once 0.5 s of GPU time
    seqs[2].x.push_back(100 + (i * 31 % 17) * (i % 5 + 1));  // noisy, stops at the time limit
  }
  seqs[0].dt_s = 1e-3, seqs[0].max_time_s = 15;
  seqs[1].dt_s = 1e-3, seqs[1].max_time_s = 15;
  seqs[2].dt_s = 1e-3, seqs[2].max_time_s = 0.3;  // below the 0.5 s minimum
  json req = json::array();
  for (const auto& s : seqs) req.push_back({{"x", s.x}, {"dt", s.dt_s}, {"max_time_s", s.max_time_s}});
  const std::string code =
      "import json, sys\nsys.path.insert(0, sys.argv[1])\nimport torch_peer as p\nout = []\n"
      "for s in json.load(sys.stdin):\n"
      "    rule, samples, hist, reason = p.StopRule(s['max_time_s'], 0.005), [], [], None\n"
      "    for x in s['x']:\n"
      "        samples.append(x)\n"
      "        reason = p.should_stop(rule, samples, s['dt'] * len(samples), s['dt'] * len(samples), hist)\n"
      "        if reason: break\n"
      "    out.append({'n': len(samples), 'reason': reason, 'stats': p.summarize(samples)})\n"
      "print(json.dumps(out))\n";
  const auto r = run_process({"python3", "-B", "-c", code, kScript.parent_path().string()}, {.stdin_data = req.dump()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json py = json::parse(r.out);
  ASSERT_EQ(py.size(), seqs.size());
  std::set<std::string> reasons;
  for (size_t k = 0; k < seqs.size(); ++k) {
    StopRule rule;
    rule.max_time_s = seqs[k].max_time_s;
    std::vector<double> samples, history;
    StopReason why = StopReason::none;
    for (double x : seqs[k].x) {
      samples.push_back(x);
      const double t = seqs[k].dt_s * samples.size();
      if ((why = should_stop(rule, samples, t, t, history)) != StopReason::none) break;
    }
    ASSERT_NE(why, StopReason::none);
    reasons.insert(stop_reason_name(why));
    EXPECT_EQ(py[k]["n"].get<size_t>(), samples.size()) << k;
    EXPECT_EQ(py[k]["reason"].get<std::string>(), stop_reason_name(why)) << k;
    const SampleStats st = summarize(samples);
    const json& ps = py[k]["stats"];
    for (auto [name, v] : {std::pair{"median", st.median}, {"min", st.min}, {"q1", st.q1}, {"q3", st.q3},
                           {"mean", st.mean}, {"rel_stdev", st.rel_stdev}})
      EXPECT_NEAR(ps[name].get<double>(), v, 1e-12 * std::abs(v)) << k << " " << name;
  }
  EXPECT_EQ(reasons, (std::set<std::string>{"plateaued", "converged", "timeout"}));
}

}  // namespace
}  // namespace attnlab
