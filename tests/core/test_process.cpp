// The process runner (src/core/process): capture, exit codes and signals, timeouts that kill the whole
// process group fast, and a persistent line-protocol child that is replaced after a hung request.
#include <gtest/gtest.h>

#include <signal.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/process.hpp"
#include "core/process_tree.hpp"

using namespace attnlab;

namespace {
double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// A process that ended: no /proc entry, or a zombie whose reaper (init) has not come by yet.
bool ended(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return true;
  const size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

bool ends_within(pid_t pid, double seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  while (!ended(pid)) {
    if (since(t0) > seconds) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// The pid a shell wrote to `path` (0 when none).
pid_t pid_in(const std::string& path) {
  std::ifstream f(path);
  pid_t pid = 0;
  f >> pid;
  return pid;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("attnlab-process-" + std::to_string(::getpid()) + "-" + name)).string();
}
}  // namespace

TEST(Process, CapturesBothStreamsAndExitCode) {
  auto r = run_shell("cat; echo err-text >&2; exit 4", {.stdin_data = "hello\n", .timeout_s = 10});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.signal, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_EQ(r.err, "err-text\n");
  EXPECT_EQ(r.describe(), "exited with status 4");
  // Large outputs on both streams cannot deadlock (both pipes are drained together).
  auto big = run_shell("head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2", {.timeout_s = 30});
  EXPECT_TRUE(big.ok());
  EXPECT_EQ(big.out.size(), 1000000u);
  EXPECT_EQ(big.err.size(), 1000000u);
}

TEST(Process, ArgvIsNotAShellAndMissingProgramIs127) {
  auto r = run_process({"printf", "%s|", "a b", "$HOME"});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "a b|$HOME|");
  auto missing = run_process({"/nonexistent/attnlab-no-such-program"});
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_NE(missing.err.find("exec failed"), std::string::npos);
}

TEST(Process, ReportsTheKillingSignal) {
  auto r = run_shell("kill -SEGV $$");
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_EQ(r.exit_code, 128 + SIGSEGV);
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.describe().find("killed by signal 11"), std::string::npos) << r.describe();
}

TEST(Process, TimeoutKillsTheWholeGroupFast) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_process({"sleep", "100"}, {.timeout_s = 0.3});
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(since(t0), 5.0);
  EXPECT_GE(r.wall_s, 0.3);
  EXPECT_NE(r.describe().find("timed out after"), std::string::npos);
  // A shell whose background child holds the output pipe: the group dies together, output so far is kept.
  const auto t1 = std::chrono::steady_clock::now();
  auto g = run_shell("echo started; sleep 100 & wait", {.timeout_s = 0.3});
  EXPECT_TRUE(g.timed_out);
  EXPECT_EQ(g.out, "started\n");
  EXPECT_LT(since(t1), 5.0);
}

TEST(Process, PersistentChildAnswersLinesAndIsReplacedAfterAHang) {
  // A tiny line server: "hang" never answers, "quit" exits 3, anything else is echoed back.
  const std::vector<std::string> argv = {
      "/bin/sh", "-c", "while read l; do case $l in hang) sleep 100;; quit) exit 3;; *) echo \"got $l\";; esac; done"};
  auto child = std::make_unique<ChildProcess>(argv);
  std::string line;
  ASSERT_TRUE(child->write_line("a"));
  ASSERT_EQ(child->read_line(line, 5), ChildProcess::Read::line);
  EXPECT_EQ(line, "got a");
  ASSERT_TRUE(child->write_line("hang"));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(child->read_line(line, 0.3), ChildProcess::Read::timeout);
  EXPECT_LT(since(t0), 3.0);
  child->kill_now();
  EXPECT_EQ(child->wait().signal, SIGKILL);
  EXPECT_FALSE(child->write_line("b"));  // gone: a failed write, not a SIGPIPE
  child = std::make_unique<ChildProcess>(argv);  // a fresh one carries on
  ASSERT_TRUE(child->write_line("b"));
  ASSERT_EQ(child->read_line(line, 5), ChildProcess::Read::line);
  EXPECT_EQ(line, "got b");
  ASSERT_TRUE(child->write_line("quit"));
  EXPECT_EQ(child->read_line(line, 5), ChildProcess::Read::eof);
  EXPECT_EQ(child->wait().exit_code, 3);
}

// Issue 9, item 10: a grandchild that left the group and the session (setsid) survived the timeout,
// which killed only the process group. Now the child's whole tree goes: by parent links while its parent
// lives, and by the environment marker once its parent is gone (a double-forked daemon).
TEST(Process, TimeoutKillsDescendantsThatLeftTheGroupAndSession) {
  const std::string pidfile = temp_path("setsid.pid"), orphan_pidfile = temp_path("orphan.pid");
  auto r = run_shell("setsid sleep 1000 & echo $! > " + pidfile + "; (setsid sleep 1000 & echo $! > " + orphan_pidfile +
                         "); sleep 1000",
                     {.timeout_s = 0.5});
  EXPECT_TRUE(r.timed_out);
  const pid_t in_tree = pid_in(pidfile), orphan = pid_in(orphan_pidfile);
  std::filesystem::remove(pidfile);
  std::filesystem::remove(orphan_pidfile);
  ASSERT_GT(in_tree, 0);
  ASSERT_GT(orphan, 0);
  EXPECT_TRUE(ends_within(in_tree, 5)) << "the setsid child of the shell survived";
  EXPECT_TRUE(ends_within(orphan, 5)) << "the setsid child whose parent had exited survived";
  // The persistent child too.
  {
    ChildProcess child({"/bin/sh", "-c", "setsid sleep 1000 & echo $!; sleep 1000"});
    std::string line;
    ASSERT_EQ(child.read_line(line, 5), ChildProcess::Read::line);
    const pid_t pid = std::stoi(line);
    child.kill_now();
    EXPECT_TRUE(ends_within(pid, 5));
  }
}

TEST(Process, TreeKillSparesProcessesOutsideTheTree) {
  ChildProcess bystander({"/bin/sh", "-c", "echo up; sleep 1000"});
  std::string line;
  ASSERT_EQ(bystander.read_line(line, 5), ChildProcess::Read::line);
  auto r = run_shell("sleep 1000", {.timeout_s = 0.2});
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(ended(bystander.pid())) << "a timeout of one child killed another";
  EXPECT_FALSE(ended(getpid()));
}

TEST(Process, ChildEnvironmentCarriesTheTreeMarker) {
  auto r = run_shell(std::string("echo \"$") + kTreeMarkerVar + "\"");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.out.empty() || r.out == "\n") << r.out;
  // A child of a child keeps the outer token and adds its own.
  auto nested = run_process({"/bin/sh", "-c", std::string("echo \"$") + kTreeMarkerVar + "\""});
  EXPECT_NE(r.out, nested.out);
  ::setenv(kTreeMarkerVar, "outer.1", 1);
  auto inner = run_shell(std::string("echo \"$") + kTreeMarkerVar + "\"");
  ::unsetenv(kTreeMarkerVar);
  EXPECT_EQ(inner.out.rfind("outer.1 ", 0), 0u) << inner.out;
}
