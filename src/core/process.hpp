#pragma once
// The one way attnlab runs another program (torch peer, proposer, eval worker, compute-sanitizer, the
// steps of attnlab evidence):
//  - run_process: argv, stdin text, stdout/stderr captured (bounded: head and tail kept) or sent to a
//    file, a wall-clock timeout that SIGKILLs the child and everything it started, also what left its
//    process group or session (process_tree.hpp). The wait ends when the child exits: whatever it left
//    behind (a background process still holding its stdout) is killed, never waited for. A termination
//    signal to attnlab (core/termination.hpp) is forwarded to the child's tree;
//  - ChildProcess: a persistent child spoken to by lines on stdin/stdout, with a timeout per read (the
//    eval worker: a request that never answers is killed and the caller starts a fresh child).
// Children run in their own process group; nothing here uses a shell unless argv asks for one.
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace attnlab {

struct ProcessOptions {
  std::string stdin_data;       // given through an unlinked temporary file: the child never blocks us
  double timeout_s = 0;         // <= 0: none
  bool forward_stderr = false;  // also copy the child's stderr to ours as it arrives
  int output_fd = -1;           // >= 0: the child's stdout and stderr go to this file, nothing is captured
  std::function<void()> tick;   // called about five times a second while the child runs (progress)
  // Per stream: past this many bytes only the first and the last half of it are kept (a child that
  // floods its output costs this much memory, not gigabytes); the cut is marked in the text.
  size_t max_capture = size_t(16) << 20;
};

struct ProcessResult {
  int exit_code = -1;      // exit status; 128 + N when killed by signal N; 127 when argv[0] cannot be run
  int signal = 0;          // N when killed by signal N, else 0
  bool timed_out = false;  // killed by us at the timeout (then signal == SIGKILL)
  int interrupted = 0;     // N: attnlab received termination signal N and forwarded it to the child's tree
  size_t out_dropped = 0, err_dropped = 0;  // bytes left out of out / err (max_capture)
  std::string out, err;
  double wall_s = 0;
  bool ok() const { return exit_code == 0 && !timed_out; }
  // "exited with status 3", "killed by signal 11 (Segmentation fault)", "timed out after 2.0 s"
  std::string describe() const;
};

// std::runtime_error when the process cannot be created at all (fork/pipe failure).
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& opt = {});
// /bin/sh -c command.
ProcessResult run_shell(const std::string& command, const ProcessOptions& opt = {});

// A long-lived child speaking lines on stdin/stdout; its stderr goes to ours.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);  // std::runtime_error when it cannot start
  ~ChildProcess();  // kills the child's process tree and reaps the child
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool write_line(const std::string& line);  // false when the child is gone
  enum class Read { line, eof, timeout };
  // One line (without '\n') within timeout_s (<= 0: wait forever). A line longer than 16 MiB is a child
  // flooding its stdout: it is killed and the read is eof (memory stays bounded).
  Read read_line(std::string& line, double timeout_s);
  void kill_now();  // SIGKILL to the child's whole process tree (process_tree.hpp), then reap
  // After eof / kill_now: how the child ended (exit_code / signal fields of ProcessResult).
  ProcessResult wait();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string tree_;  // the token that marks its process tree
  int to_ = -1, from_ = -1;
  std::string buffer_;
  std::optional<int> status_;
};

// The path of the running executable, resolved once (/proc/self/exe; "attnlab" when it cannot be read):
// what attnlab runs its own subcommands with (eval worker, sanitize-run, evidence steps, profile), and
// where it looks for the files it ships beside itself. A child under a wrapper (compute-sanitizer, ncu)
// must be given this path, never /proc/self/exe, which would name the wrapper.
std::string self_executable();

}  // namespace attnlab
