// Hostile invocations, round 2 (issue 18): the bad invocations of the issue's table, each refused before
// any work with exit status 2 and one line that says why (test_cli_hostile.cpp holds round 1). Runs the
// real binary ($ATTNLAB_TEST_BINARY runs them against another build).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hostile_helpers.hpp"
#include "io/npy.hpp"
#include "store/results_db.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace attnlab {
namespace {

using test::expect_one_line_error;
using test::Probe;
using test::slurp;
using test::snapshot;
using test::TempDir;

const std::string kEvoLog = std::string(ATTNLAB_SOURCE_DIR) + "/tests/fixtures/evidence/tune/seeded/evo_log.csv";

// An .npy of shape (1, 8, 2, 64) with dtype `descr` (element size from the descr's digits).
void write_npy_of(const std::string& path, const std::string& descr) {
  NpyArray a;
  a.descr = descr;
  a.shape = {1, 8, 2, 64};
  a.data.resize(size_t(a.numel()) * a.elem_size());
  write_npy(path, a);
}

// A results database with a few successful evaluations of the tune's default target shape.
void write_results_db(const std::string& path) {
  auto db = ResultsDb::open(path);
  EvalContext ctx{"sm_90a", "GPU-x", "580", "B4 H16/16 Sq4096 Sk4096 d128", "bf16", "h"};
  int i = 0;
  for (const char* c : {"m128n64w4s2-swz-qsm", "m64n64w4s2-swz-qsm", "m128n32w4s3-swz-qsm"}) {
    Evaluation e;
    e.config = TileConfig::parse(c);
    e.compiled = e.correct = true;
    e.registers = 128;
    e.median_us = 1000 + i;
    e.tflops = 300 + 10 * i++;
    db.put(ctx, e);
  }
}
}  // namespace

// Row 1: no subcommand may write onto one of its inputs, whether named the same way, spelled another
// way, or reached through a symbolic or a hard link. Subcommands without file inputs (devices, configs,
// check, bench, compare, micro, ceilings, inspect, profile) have nothing an output could overwrite; their
// outputs are checked against each other in test_cli_hostile.cpp.
TEST(CliHostile2, EverySubcommandRefusesAnOutputThatIsOneOfItsInputs) {
  TempDir dir;
  const auto f = [&](const std::string& n) { return dir.file(n); };
  for (const char* n : {"q.npy", "k.npy", "v.npy"}) write_npy_of(f(n), "<f2");
  fs::copy_file(kEvoLog, f("records.csv"));
  std::ofstream(f("records.json")) << "[]";
  std::ofstream(f("results.db")) << "not looked at";
  std::ofstream(f("micro_best.json")) << R"({"schema": "attnlab.micro/1", "top_k": [{"config": "m128n64w4s2-swz-qsm"}]})";
  std::ofstream(f("edits.cuh")) << "//@@ prelude\n//@@ end\n";
  fs::create_directories(f("ev"));
  std::ofstream(f("ev/compare.json")) << R"({"results": []})";
  std::ofstream(f("ev/devices.txt")) << "device 0: NVIDIA H100 80GB HBM3\n";
  fs::create_directories(f("tune"));
  std::ofstream(f("tune/evo_best.json")) << "{}";
  fs::create_symlink(f("q.npy"), f("q-link.npy"));
  fs::create_hard_link(f("edits.cuh"), f("edits-hard.cuh"));
  fs::create_symlink(f("results.db"), f("results.db.bak"));
  const auto before = snapshot(dir.path);
  const std::string run = "run --q " + f("q.npy") + " --k " + f("k.npy") + " --v " + f("v.npy");
  const std::vector<Probe> probes = {
      {run + " --out " + f("q.npy"), "is the input --q"},
      {run + " --out " + f("q-link.npy"), "is the input --q"},  // through a symbolic link
      {run + " --out " + f("o.npy") + " --lse " + dir.path.string() + "/./k.npy", "is the input --k"},
      {"tune --replay " + f("results.db") + " --replay-json " + f("results.db"), "is the input --replay"},
      {"tune --replay " + f("records.json") + " --replay-json " + f("records.json"), "is the input --replay"},
      {"tune --replay " + f("records.csv") + " --seed-from " + f("micro_best.json") + " --replay-json " + f("micro_best.json"),
       "is the input --seed-from"},
      {"tune --seed-from " + f("micro_best.json") + " --db " + f("micro_best.json"), "is the input --seed-from"},
      {"tune --seed-from " + f("tune/evo_best.json") + " --out-dir " + f("tune"), "is the input --seed-from"},
      {"tune --db " + f("tune/evo_best.json") + " --export run --out-dir " + f("tune"), "is the input --db"},
      {"report " + f("ev") + " --out " + f("ev/compare.json"), "is the input dir"},
      {"variant-source " + f("edits.cuh") + " -o " + f("edits.cuh"), "is the input edits"},
      {"variant-source " + f("edits.cuh") + " -o " + f("edits-hard.cuh"), "is the input edits"},  // a hard link
      {"db migrate " + f("results.db"), "is the input file"},  // results.db.bak -> results.db
  };
  for (const auto& p : probes) expect_one_line_error(p);
  // evidence reads --committed only without a GPU (with one, it measures into --out)
  if (!test::has_gpu()) expect_one_line_error({"evidence --out " + f("ev") + " --committed " + f("ev"), "is the committed evidence"});
  // a campaign without a GPU: that one line, before any progress line or output
  if (!test::has_gpu())
    expect_one_line_error({"campaign --workload " + std::string(ATTNLAB_SOURCE_DIR) +
                               "/examples/workloads/llama3-8b.json --out " + f("campaign-out"),
                           "no CUDA device"});
  EXPECT_EQ(snapshot(dir.path), before);  // nothing written, nothing replaced
  EXPECT_EQ(snapshot(dir.path / "ev"), (std::map<std::string, std::string>{
                                           {"compare.json", R"({"results": []})"},
                                           {"devices.txt", "device 0: NVIDIA H100 80GB HBM3\n"}}));
}

// Rows 6, 17, 18, 20, 21, 23 and 24: bad values and files the issue found accepted, crashing or misread.
TEST(CliHostile2, RoundTwoInvocations) {
  TempDir dir;
  std::ofstream(dir.file("empty.json")) << "[]";
  std::ofstream(dir.file("no_evals.json")) << R"({"evaluations": []})";
  std::ofstream(dir.file("header.csv")) << "generation,config,compiled,registers,spill_bytes,correct,max_error,median_us,"
                                           "tflops,speedup_vs_cudnn,source_file,error\n";
  for (const char* n : {"q.npy", "k.npy", "v.npy"}) write_npy_of(dir.file(n), "<i4");
  for (const char* d : {"|b1", "<c8", "|u1"}) write_npy_of(dir.file(std::string("x") + d[1] + ".npy"), d);
  fs::create_directories(dir.file("ev"));
  fs::create_directories(dir.file("h100"));
  std::ofstream(dir.file("ev/manifest.json")) << "{\"steps\": [ corrupt";
  const std::string long_name(300, 'n');
  const std::string run = "run --k " + dir.file("k.npy") + " --v " + dir.file("v.npy") + " --out " + dir.file("o.npy");
  const std::vector<Probe> probes = {
      // 6: no records: a one-line error, not SIGSEGV
      {"tune --replay " + dir.file("empty.json"), "no records in " + dir.file("empty.json")},
      {"tune --replay " + dir.file("no_evals.json"), "no records in"},
      {"tune --replay " + dir.file("header.csv"), "no records in"},
      // 17: decimal only: 0100 is a hundred, 0x40 is not a number
      {"configs -d 0100", "unsupported head dim 100"},
      {"compare --seqlens 0512 --tokens 1000", "seqlen 512"},
      {"inspect -d 0x40", "'0x40' is not a decimal integer"},
      {"check --seed 0x10", "is not a decimal integer"},
      {"bench --repeat 0b11", "is not a decimal integer"},
      {"tune --rng-seed 1e3", "is not a decimal integer"},
      // 18: a scale that would silently become 1/sqrt(d)
      {run + " --q " + dir.file("q.npy") + " --scale 0", "--scale"},
      {run + " --q " + dir.file("q.npy") + " --scale 1e-46", "--scale"},
      {run + " --q " + dir.file("q.npy") + " --scale 1e39", "--scale"},
      // 20: dtypes checked with the header, before the GPU
      {run + " --q " + dir.file("q.npy") + " --dtype bf16", "unsupported dtype '<i4'"},
      {"run --q " + dir.file("xb.npy") + " --k " + dir.file("xb.npy") + " --v " + dir.file("xb.npy") + " --out " +
           dir.file("o.npy") + " --dtype bf16", "unsupported dtype '|b1'"},
      {"run --q " + dir.file("xc.npy") + " --k " + dir.file("xc.npy") + " --v " + dir.file("xc.npy") + " --out " +
           dir.file("o.npy") + " --dtype fp16", "unsupported dtype '<c8'"},
      {"run --q " + dir.file("xu.npy") + " --k " + dir.file("xu.npy") + " --v " + dir.file("xu.npy") + " --out " +
           dir.file("o.npy") + " --dtype bf16", "unsupported dtype '|u1'"},
      // 21: a --committed that is not there, before anything runs
      {"evidence --out " + dir.file("out") + " --committed /nonexistent", "--committed '/nonexistent': not an evidence folder"},
      // 23: the file and the cause, in words
      {"report " + dir.file(long_name), "File name too long"},
      {"bench --json " + dir.file(long_name + ".json"), "File name too long"},
      {"evidence --out " + dir.file("ev") + " --resume", dir.file("ev/manifest.json") + ": "},
      // 24: terminal escapes from file and config names are shown as '?'
      {"report '/nonexistent/\x1b[31mred'", "/nonexistent/?[31mred"},
      {"bench --configs '\x1b]0;pwned\x07m64n64w4s2-swz-qsm'", "?]0;pwned?m64n64w4s2"},
      // 24: unknown subcommands
      {"frobnicate", "unknown subcommand 'frobnicate'"},
      {"campaing --help", "unknown subcommand 'campaing'"},
      {"campaign --workload /nonexistent.json", "--workload: File does not exist: /nonexistent.json"},
      {"db frobnicate", "unknown subcommand 'frobnicate' of 'attnlab db'"},
  };
  for (const auto& p : probes) expect_one_line_error(p);
  EXPECT_FALSE(fs::exists(dir.file("out"))) << "evidence ran with a missing --committed";
  // 3: without a GPU, a folder that holds a GPU's evidence is never overwritten with "no CUDA device"
  if (!test::has_gpu()) {
    std::ofstream(dir.file("h100/devices.txt")) << "device 0: NVIDIA H100 80GB HBM3\n";
    std::ofstream(dir.file("h100/env.json")) << R"({"gpu": {"name": "NVIDIA H100 80GB HBM3"}})";
    const auto before = snapshot(dir.path / "h100");
    expect_one_line_error({"evidence --out " + dir.file("h100"), "holds evidence measured on 'NVIDIA H100 80GB HBM3'"});
    EXPECT_EQ(snapshot(dir.path / "h100"), before);
  }
}

// Row 17: flags that are accepted are read as decimal (010 is ten, not eight).
TEST(CliHostile2, LeadingZerosAreDecimal) {
  const auto r = test::run_cli("tune --replay " + kEvoLog + " --budget 010 --replay-seeds 02");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("budget 10, 2 rng seeds"), std::string::npos) << r.output;
}

// Row 23: a results database is recognised by its content, whatever its name.
TEST(CliHostile2, ReplayReadsADatabaseWhateverItsExtension) {
  TempDir dir;
  for (const char* name : {"results.DB", "results.sqlite", "results"}) {
    write_results_db(dir.file(name));
    const auto r = test::run_cli("tune --replay " + dir.file(name) + " --budget 4 --replay-seeds 1");
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.output;
    EXPECT_NE(r.output.find("replay: 3 records from"), std::string::npos) << name << "\n" << r.output;
  }
}

}  // namespace attnlab
