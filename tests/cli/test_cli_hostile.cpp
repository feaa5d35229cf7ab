// Hostile and careless invocations (issue 9): every bad numeric value, size, config name or output path
// of every subcommand is refused before the GPU, an input's data or an output is touched: exit status 2
// and exactly one line "attnlab: error: ..." that names the flag, never a signal, a core dump, a stack
// trace or a bare "stoi" / nlohmann / bad_alloc message. Runs the real binary.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include <filesystem>
#include <fstream>
#include <thread>

#include "hostile_helpers.hpp"
#include "io/npy.hpp"
#include "test_helpers.hpp"

namespace attnlab {
namespace {

using test::expect_one_line_error;
using test::Probe;

}  // namespace

TEST(CliHostile, NumericFlagsOfEverySubcommand) {
  const std::vector<Probe> probes = {
      // compare: the SIGFPE of `tokens % 0` and its relatives
      {"compare --seqlens 0", "--seqlens"},
      {"compare --seqlens=-1", "--seqlens"},
      {"compare --seqlens=-1 --tokens=-2147483648", "--seqlens"},
      {"compare --tokens=-2147483648", "--tokens"},
      {"compare --tokens 99999999999", "--tokens"},
      {"compare --seqlens 512,0", "--seqlens"},
      {"compare --seqlens abc", "--seqlens"},
      {"compare --hidden 0", "--hidden"},
      {"compare --head-dims=-64", "--head-dims"},
      {"compare --max-time nan", "--max-time"},
      {"compare --max-time=-1", "--max-time"},
      {"compare --max-time inf", "--max-time"},
      {"compare --backends custom --tokens 134217728 --seqlens 512", "grid z limit"},
      {"compare --backends custom --custom-config m99999999999n64w4s2-swz-qsm", "--custom-config"},
      // bench
      {"bench --shape 1,1,99999999999,64", "--shape"},
      {"bench --shape=-1,2,128,64", "--shape"},
      {"bench --shape 65536,1,128,64", "grid z limit"},
      {"bench --shape 1,65536,128,64", "grid y limit"},
      {"bench --heads-k 0", "--heads-k"},
      {"bench --heads-k=-3", "--heads-k"},
      {"bench --repeat 0", "--repeat"},
      {"bench --graph=-1", "--graph"},
      {"bench --max-time 0", "--max-time"},
      {"bench --configs m99999999999n64w4s2-swz-qsm", "--configs"},
      {"bench --no-such-flag", "--no-such-flag"},
      // check, micro, configs
      {"check --head-dim 99999999999", "--head-dim"},
      {"check --seed=-1", "--seed"},
      {"check --configs m99999999999n64w4s2-swz-qsm", "--configs"},
      {"micro --keys 0", "--keys"},
      {"micro --top-k=-5", "--top-k"},
      {"micro --max-time 1e999", "--max-time"},
      {"micro --full-shape 1,1,1,64,1,1", "expected B,H"},
      {"configs --head-dim=-1", "--head-dim"},
      // tune
      {"tune --budget=-1", "--budget"},
      {"tune --population 0", "--population"},
      {"tune --replay-seeds 0", "--replay-seeds"},
      {"tune --top-k=-5", "--top-k"},
      {"tune --time=-1", "--time"},
      {"tune --rng-seed=-1", "--rng-seed"},
      {"tune --max-time 0", "--max-time"},
      {"tune --heads-k 99999", "--heads-k"},
      {"tune --shape 1,1,1,1,1,1", "expected B,H"},
      // run, db
      {"run --q q.npy --k k.npy --v v.npy --out o.npy --scale=-1", "--scale"},
      {"run --q q.npy --k k.npy --v v.npy --out o.npy --scale nan", "--scale"},
      {"db migrate /nonexistent/x.db", "/nonexistent/x.db: cannot open"},
      {"db", "subcommand"},
  };
  for (const auto& p : probes) expect_one_line_error(p);
}

// Issue 9, item 9: every output path of every subcommand is checked in the command's validation step,
// before the device, a compile or an input's data: a folder that does not exist, a file where a folder
// should be, a folder where a file should be, two outputs naming one file. Without a GPU "before the
// device" shows: these used to end in "no CUDA device" (or "ncu not found"), i.e. on a GPU, after the work.
TEST(CliHostile, OutputPathsAreCheckedBeforeAnyWork) {
  test::TempDir dir;
  std::ofstream(dir.file("plain.txt")) << "a file\n";
  std::filesystem::create_directory(dir.file("sub"));
  const std::string missing = dir.file("no-such-folder") + "/x.json", under_file = dir.file("plain.txt") + "/x.json",
                    folder = dir.path.string(), plain = dir.file("plain.txt"), out = dir.file("o.npy");
  const std::string run = "run --q q.npy --k k.npy --v v.npy ";
  const std::vector<Probe> probes = {
      {run + "--out " + missing, "--out '"},
      {run + "--out " + missing, "does not exist (create it, or choose another path)"},
      {run + "--out " + folder, "is a folder; name a file"},
      {run + "--out " + out + " --lse " + out, "--lse '" + out + "' names the same file as --out"},
      {run + "--out " + out + " --lse " + dir.file("sub/../o.npy"), "names the same file as --out"},
      {"bench --json " + missing, "--json '"},
      {"bench --json " + folder, "is a folder"},
      {"bench --shape 1,1,128,128,256 --configs m128n128w4s4-swz-qsm", "--configs 'm128n128w4s4-swz-qsm'"},
      {"compare --out " + under_file, "is a file, not a folder"},
      {"compare --csv " + missing, "--csv '"},
      {"compare --out " + dir.file("c.json") + " --csv " + dir.file("c.json"), "names the same file as --out"},
      {"check --json " + missing, "--json '"},
      {"micro --out " + folder, "--out '"},
      {"micro --out " + under_file, "is a file, not a folder"},
      {"tune --out-dir " + plain, "--out-dir '"},
      {"tune --out-dir " + plain, "exists and is not a folder"},
      {"tune --db " + folder, "--db '"},
      {"tune --db " + under_file, "is a file, not a folder"},
      {"tune --out-dir " + folder + " --db " + dir.file("evo_best.json"), "names the same file as --out-dir"},
      {"tune --export run --out-dir " + plain, "--out-dir '"},
      {"tune --replay " + plain + " --replay-json " + missing, "--replay-json '"},
      {"variant-source edits.cuh --out " + missing, "--out '"},
      {"profile --out " + plain, "--out '"},
      {"profile --db " + folder, "--db '"},
      {"profile --timeout 0", "--timeout"},
      {"profile --warmup=-1", "--warmup"},
      {"profile --heads-k 0", "--heads-k"},
      {"inspect --json " + missing, "--json '"},
      {"devices --json " + missing, "--json '"},
      {"report " + folder + " --out " + under_file, "--out '"},
      {"evidence --out " + plain, "--out '"},
      {"tune --profile-top=-1", "--profile-top"},
      {"tune --db ''", "--db '': empty path"},
      {"micro --out ''", "--out '': empty path"},
  };
  for (const auto& p : probes) expect_one_line_error(p);
}

// A refused invocation leaves the folder as it was: no output file, no half-created folder.
TEST(CliHostile, RefusedOutputsLeaveNothingBehind) {
  test::TempDir dir;
  std::ofstream(dir.file("plain.txt")) << "a file\n";
  const auto before = test::snapshot(dir.path);
  const std::vector<Probe> probes = {
      {"run --q q.npy --k k.npy --v v.npy --out " + dir.file("o.npy") + " --lse " + dir.file("o.npy"), "same file"},
      {"compare --out " + dir.file("new/compare.json") + " --csv " + dir.file("missing/c.csv"), "--csv"},
      {"tune --out-dir " + dir.file("tune") + " --db " + dir.file("plain.txt") + "/r.db", "--db"},
      {"tune --out-dir " + dir.file("tune") + " --db " + dir.file("tune/evo_log.csv"), "same file"},
      {"bench --json " + dir.file("missing/b.json"), "--json"},
  };
  for (const auto& p : probes) expect_one_line_error(p);
  EXPECT_EQ(test::snapshot(dir.path), before);

  // A folder the user may not write to (skipped as root, who may write anywhere).
  const std::string locked = dir.file("locked");
  std::filesystem::create_directory(locked);
  ::chmod(locked.c_str(), 0500);
  if (::access(locked.c_str(), W_OK) != 0) {
    expect_one_line_error({"bench --json " + locked + "/b.json", "is not writable"});
    expect_one_line_error({"tune --out-dir " + locked + "/sub", "is not writable"});
    EXPECT_TRUE(std::filesystem::is_empty(locked));
  }
  ::chmod(locked.c_str(), 0700);
}

TEST(CliHostile, FilesWithWrongContentNameTheFile) {
  const std::string dir = ::testing::TempDir();
  const std::string empty_list = dir + "/hostile_list.json", wrong_type = dir + "/hostile_type.json",
                    huge = dir + "/hostile_huge.json";
  std::ofstream(empty_list) << "[]";
  std::ofstream(wrong_type) << R"({"schema": "attnlab.micro/1", "top_k": [{"config": 5}]})";
  std::ofstream(huge) << R"({"schema": "attnlab.micro/1", "top_k": [{"config": "m99999999999n64w4s2-swz-qsm"}]})";
  expect_one_line_error({"tune --seed-from " + empty_list, empty_list + ": not a micro_best.json"});
  expect_one_line_error({"tune --seed-from " + wrong_type, wrong_type + ": top_k[0].config"});
  expect_one_line_error({"tune --seed-from " + huge, huge + ": top_k[0].config"});
}

// A pipe can be read only once: run reads it whole (in chunks) instead of header first, then data.
TEST(CliHostile, RunReadsInputsFromAPipe) {
  const std::string dir = ::testing::TempDir();
  std::vector<float> v(1 * 8 * 2 * 64, 0.25f);
  write_npy(dir + "/pipe_q.npy", npy_from_float(v, {1, 8, 2, 64}, "<f2"));
  const std::string fifo = dir + "/pipe_q.fifo";
  std::filesystem::remove(fifo);
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {  // writes once attnlab has opened the FIFO; gives up after 20 s, never hangs
    std::ifstream in(dir + "/pipe_q.npy", std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (int tries = 0; tries < 2000; ++tries) {
      const int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      fcntl(fd, F_SETFL, 0);
      for (size_t done = 0; done < bytes.size();) {
        const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0) break;
        done += size_t(n);
      }
      close(fd);
      return;
    }
  });
  const auto r = test::run_cli("run --q " + fifo + " --k " + dir + "/pipe_q.npy --v " + dir + "/pipe_q.npy --out " + dir +
                               "/pipe_o.npy");
  writer.join();
  if (test::has_gpu()) EXPECT_EQ(r.exit_code, 0) << r.output;
  else EXPECT_NE(r.output.find("no CUDA device"), std::string::npos) << r.output;  // inputs read and checked
}

}  // namespace attnlab
