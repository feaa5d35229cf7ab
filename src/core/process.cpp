#include "core/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "core/process_tree.hpp"
#include "core/termination.hpp"

namespace attnlab {

namespace {
using clock_type = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

// An unlinked temporary file holding the child's stdin.
int stdin_file(const std::string& data) {
  std::string path = (std::filesystem::temp_directory_path() / "attnlab-stdin-XXXXXX").string();
  const int fd = mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) fail("cannot create a temporary file");
  unlink(path.c_str());
  for (size_t off = 0; off < data.size();) {
    const ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      fail("cannot write a temporary file");
    }
    off += size_t(n);
  }
  lseek(fd, 0, SEEK_SET);
  return fd;
}

// fork + exec in a new process group with the given fds as 0, 1 (and 2 when err >= 0), its environment
// marked with `tree_token` (core/process_tree.hpp) so that a kill finds whatever it starts.
pid_t spawn(const std::vector<std::string>& argv, int in, int out, int err, const std::string& tree_token) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_text = marked_environment(tree_token);
  std::vector<char*> env;
  for (auto& e : env_text) env.push_back(e.data());
  env.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {  // child: only async-signal-safe calls until exec
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    dup2(in, 0);
    dup2(out, 1);
    if (err >= 0) dup2(err, 2);
    execvpe(args[0], args.data(), env.data());
    const char msg[] = "exec failed\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  setpgid(pid, pid);  // also here: the group exists before we might kill it
  return pid;
}

void fill_status(ProcessResult& r, int status) {
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
    r.exit_code = 128 + r.signal;
  }
}

int reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

double remaining_ms(clock_type::time_point deadline) {
  return std::chrono::duration<double, std::milli>(deadline - clock_type::now()).count();
}
}  // namespace

std::string ProcessResult::describe() const {
  if (timed_out) return fmt::format("timed out after {:.1f} s", wall_s);
  if (signal) return fmt::format("killed by signal {} ({})", signal, strsignal(signal));
  if (exit_code == 127) return "could not be run (exit status 127)";
  return fmt::format("exited with status {}", exit_code);
}

namespace {
// A stream kept within about `cap` bytes: the first half as it came, and the latest bytes.
class BoundedText {
 public:
  explicit BoundedText(size_t cap) : head_cap_(std::max<size_t>(cap, 2) / 2), keep_(std::max<size_t>(cap, 2) - head_cap_) {}
  void append(const char* p, size_t n) {
    const size_t to_head = std::min(n, head_cap_ - head_.size());
    head_.append(p, to_head);
    tail_.append(p + to_head, n - to_head);
    if (tail_.size() > 2 * keep_) {  // trimmed in large steps: amortised linear
      dropped_ += tail_.size() - keep_;
      tail_.erase(0, tail_.size() - keep_);
    }
  }
  size_t dropped() const { return dropped_ + (tail_.size() > keep_ ? tail_.size() - keep_ : 0); }
  std::string text() const {
    if (dropped() == 0) return head_ + tail_;
    return head_ + fmt::format("\n[... {} bytes left out ...]\n", dropped()) + tail_.substr(tail_.size() - keep_);
  }

 private:
  size_t head_cap_, keep_;
  std::string head_, tail_;
  size_t dropped_ = 0;
};

// The child has exited (it stays a zombie, so its pid is not reused while its tree is killed).
bool has_exited(pid_t pid) {
  siginfo_t info{};
  return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

// A termination signal to attnlab, passed on: SIGTERM to the child's tree, two seconds to act on it,
// then SIGKILL to whatever is left.
void forward_termination(pid_t pid, const std::string& tree, int sig) {
  kill_process_tree(pid, tree, sig);
  for (int i = 0; i < 40 && !has_exited(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  kill_process_tree(pid, tree);
}

constexpr double kAfterExitMs = 200;  // output a child wrote just before it exited, still in the pipe
constexpr double kTickMs = 200;
}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& opt) {
  ProcessResult r;
  if (argv.empty()) throw std::invalid_argument("run_process: empty argv");
  const auto t0 = clock_type::now();
  const bool to_file = opt.output_fd >= 0;
  const int in = stdin_file(opt.stdin_data);
  int outp[2] = {-1, -1}, errp[2] = {-1, -1};
  if (!to_file && pipe2(outp, O_CLOEXEC) != 0) {
    close(in);
    fail("pipe");
  }
  if (!to_file && pipe2(errp, O_CLOEXEC) != 0) {
    close(in), close(outp[0]), close(outp[1]);
    fail("pipe");
  }
  pid_t pid = -1;
  const std::string tree = new_tree_token();
  try {
    pid = to_file ? spawn(argv, in, opt.output_fd, opt.output_fd, tree) : spawn(argv, in, outp[1], errp[1], tree);
  } catch (...) {
    close(in);
    for (int fd : {outp[0], outp[1], errp[0], errp[1]})
      if (fd >= 0) close(fd);
    throw;
  }
  close(in);
  if (!to_file) close(outp[1]), close(errp[1]);

  const auto deadline = t0 + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(opt.timeout_s));
  pollfd fds[2] = {{outp[0], POLLIN, 0}, {errp[0], POLLIN, 0}};
  int open_fds = to_file ? 0 : 2;
  BoundedText out(opt.max_capture), err(opt.max_capture);
  std::optional<clock_type::time_point> exited;
  auto last_tick = t0;
  char buf[65536];
  for (;;) {
    const auto now = clock_type::now();
    if (!exited && has_exited(pid)) exited = now;
    // Done when the child has exited and its output is read, or a moment after it exited: what still
    // holds its pipes is a leftover it started, and is killed below rather than waited for.
    if (exited && (open_fds == 0 || std::chrono::duration<double, std::milli>(now - *exited).count() > kAfterExitMs)) break;
    if (const int sig = termination_signal(); sig && !exited) {
      r.interrupted = sig;
      forward_termination(pid, tree, sig);
      break;
    }
    double wait_ms = kTickMs;
    if (opt.timeout_s > 0 && !exited) {
      const double left = remaining_ms(deadline);
      if (left <= 0) {
        r.timed_out = true;
        kill_process_tree(pid, tree);  // the group, and what left it (setsid)
        break;
      }
      wait_ms = std::min(wait_ms, left + 1);
    }
    if (exited) wait_ms = std::min(wait_ms, 20.0);
    if (opt.tick && std::chrono::duration<double, std::milli>(now - last_tick).count() >= kTickMs) {
      opt.tick();
      last_tick = now;
    }
    const int n = poll(fds, to_file ? 0 : 2, int(wait_ms) + 1);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        close(fds[i].fd), fds[i].fd = -1, --open_fds;
        continue;
      }
      (i == 0 ? out : err).append(buf, size_t(got));
      if (i == 1 && opt.forward_stderr) std::cerr.write(buf, got).flush();
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);  // a process the tree kill could not find may hold the pipe
  // Nothing the child started outlives it: a background process, a daemon still holding its stdout.
  kill_process_tree(pid, tree);
  fill_status(r, reap(pid));
  r.out = out.text(), r.err = err.text();
  r.out_dropped = out.dropped(), r.err_dropped = err.dropped();
  r.wall_s = std::chrono::duration<double>(clock_type::now() - t0).count();
  return r;
}

ProcessResult run_shell(const std::string& command, const ProcessOptions& opt) {
  return run_process({"/bin/sh", "-c", command}, opt);
}

// ---------------------------------------------------------------- ChildProcess
ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("ChildProcess: empty argv");
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) fail("pipe");
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]);
    fail("pipe");
  }
  try {
    tree_ = new_tree_token();
    pid_ = spawn(argv, in[0], out[1], -1, tree_);
  } catch (...) {
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    throw;
  }
  close(in[0]), close(out[1]);
  to_ = in[1];
  from_ = out[0];
}

ChildProcess::~ChildProcess() {
  kill_now();
  if (to_ >= 0) close(to_);
  if (from_ >= 0) close(from_);
}

bool ChildProcess::write_line(const std::string& line) {
  if (to_ < 0 || status_) return false;
  const std::string s = line + "\n";
  const auto old = signal(SIGPIPE, SIG_IGN);  // a dead child is a failed write, not our death
  bool ok = true;
  for (size_t off = 0; off < s.size();) {
    const ssize_t n = write(to_, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    off += size_t(n);
  }
  signal(SIGPIPE, old);
  return ok;
}

ChildProcess::Read ChildProcess::read_line(std::string& line, double timeout_s) {
  const auto deadline = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(timeout_s));
  char buf[65536];
  for (;;) {
    if (const size_t nl = buffer_.find('\n'); nl != std::string::npos) {
      line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return Read::line;
    }
    if (from_ < 0) return Read::eof;
    int wait_ms = -1;
    if (timeout_s > 0) {
      const double left = remaining_ms(deadline);
      if (left <= 0) return Read::timeout;
      wait_ms = int(std::min(left, 1000.0)) + 1;
    }
    pollfd p{from_, POLLIN, 0};
    const int n = poll(&p, 1, wait_ms);
    if (n < 0 && errno != EINTR) return Read::eof;
    if (n <= 0) continue;
    const ssize_t got = read(from_, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      close(from_);
      from_ = -1;
      if (!buffer_.empty()) {  // a last line without '\n'
        line = std::move(buffer_);
        buffer_.clear();
        return Read::line;
      }
      return Read::eof;
    }
    buffer_.append(buf, size_t(got));
    if (buffer_.size() > ProcessOptions{}.max_capture && buffer_.find('\n') == std::string::npos) {
      kill_now();  // a line longer than any answer of the protocol: the child is flooding, not answering
      close(from_);
      from_ = -1;
      buffer_.clear();
      return Read::eof;
    }
  }
}

void ChildProcess::kill_now() {
  if (pid_ <= 0 || status_) return;
  kill_process_tree(pid_, tree_);
  status_ = reap(pid_);
}

ProcessResult ChildProcess::wait() {
  ProcessResult r;
  if (pid_ <= 0) return r;
  if (!status_) {
    if (to_ >= 0) {
      close(to_);  // EOF on its stdin: a well-behaved child exits
      to_ = -1;
    }
    status_ = reap(pid_);
  }
  fill_status(r, *status_);
  return r;
}

std::string self_executable() {
  static const std::string path = [] {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("attnlab") : p.string();
  }();
  return path;
}

}  // namespace attnlab
