#include "search/proposer.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <unordered_set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"

namespace attnlab {

namespace {

// An unlinked temporary file: nothing is left behind even if we are killed.
struct TempFd {
  int fd = -1;
  TempFd() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "attnlab-proposer-XXXXXX").string();
    fd = mkostemp(tmpl.data(), O_CLOEXEC);  // CLOEXEC: only the dup2'ed copies reach the child
    if (fd < 0) throw std::runtime_error(std::string("cannot create a temporary file: ") + std::strerror(errno));
    unlink(tmpl.c_str());
  }
  ~TempFd() { close(fd); }
  TempFd(const TempFd&) = delete;
  TempFd& operator=(const TempFd&) = delete;

  std::string read_all() const {
    std::string s;
    char buf[65536];
    lseek(fd, 0, SEEK_SET);
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) s.append(buf, static_cast<size_t>(n));
    return s;
  }
};

std::string excerpt(const std::string& s, size_t max = 800) {
  std::string t = s.size() > max ? "..." + s.substr(s.size() - max) : s;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t.empty() ? "(no stderr)" : t;
}

}  // namespace

CommandOutput run_command(const std::string& command, const std::string& input, double timeout_s) {
  TempFd in, out, err;
  for (size_t done = 0; done < input.size();) {
    ssize_t n = write(in.fd, input.data() + done, input.size() - done);
    if (n < 0 && errno != EINTR) throw std::runtime_error(std::string("cannot write proposer input: ") + std::strerror(errno));
    if (n > 0) done += static_cast<size_t>(n);
  }
  lseek(in.fd, 0, SEEK_SET);

  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec. Its own process group, so a timeout kills the
    // shell and everything it started, and nothing else.
    setpgid(0, 0);
    dup2(in.fd, 0);
    dup2(out.fd, 1);
    dup2(err.fd, 2);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);  // also here: whichever runs first, the group exists before we might kill it

  CommandOutput r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= deadline) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.out = out.read_all();
  r.err = err.read_all();
  return r;
}

nlohmann::json proposer_request(const SearchSpace& space, const History& history, int generation, int want,
                                uint64_t seed) {
  nlohmann::json hist = nlohmann::json::array();
  for (auto& t : history.trials()) {
    const auto& e = t.eval;
    hist.push_back({{"generation", t.generation}, {"config", e.config.name()},      {"source_file", t.source_file},
                    {"compiled", e.compiled},     {"correct", e.correct},           {"tflops", fitness(e)},
                    {"median_us", e.median_us},   {"max_error", e.max_error},       {"error", e.error},
                    {"registers", e.registers},   {"spill_bytes", e.spill_bytes},   {"smem_bytes", e.smem_bytes}});
  }
  nlohmann::json valid = nlohmann::json::array();
  for (auto& c : space.all_valid()) valid.push_back(c.name());
  return {{"schema", kProposerSchema}, {"generation", generation}, {"want", want},
          {"seed", seed},              {"head_dim", space.head_dim()}, {"arch", space.limits().arch},
          {"space", space.knobs_json()}, {"valid_configs", valid},  {"history", hist}};
}

std::vector<RawCandidate> parse_proposer_response(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw UserError(fmt::format("proposer answered malformed JSON ({}): {}", e.what(), excerpt(text, 200)));
  }
  if (!j.is_object() || !j.contains("candidates") || !j["candidates"].is_array())
    throw UserError("proposer response has no \"candidates\" array: " + excerpt(text, 200));
  std::vector<RawCandidate> out;
  for (size_t i = 0; i < j["candidates"].size(); ++i) {
    const auto& c = j["candidates"][i];
    RawCandidate rc;
    auto str = [&](const char* key, bool required) -> std::string {
      if (!c.contains(key)) {
        if (required && rc.error.empty()) rc.error = fmt::format("candidate #{} has no \"{}\"", i, key);
        return {};
      }
      if (!c[key].is_string()) {
        if (rc.error.empty()) rc.error = fmt::format("candidate #{}: \"{}\" is not a string", i, key);
        return {};
      }
      return c[key].get<std::string>();
    };
    if (!c.is_object()) {
      rc.config = fmt::format("#{}", i);
      rc.error = fmt::format("candidate #{} is not an object", i);
    } else {
      rc.config = str("config", true);
      rc.source_file = str("source_file", false);
      rc.note = str("note", false);
      if (rc.config.empty()) rc.config = fmt::format("#{}", i);
    }
    out.push_back(std::move(rc));
  }
  return out;
}

ProposerStrategy::ProposerStrategy(const SearchSpace& space, ProposerOptions opt) : space_(space), opt_(std::move(opt)) {
  if (opt_.command.empty()) throw UserError("--proposer needs a command");
  if (opt_.timeout_s <= 0) throw UserError("proposer timeout must be positive");
}

std::vector<Candidate> ProposerStrategy::propose(const History& history, int max, Rng& rng) {
  rejections_.clear();
  repairs_.clear();
  const int generation = history.size() ? history.trials().back().generation + 1 : 0;
  // The proposer's own randomness can come from here, which makes it reproducible from --seed.
  const uint64_t seed = rng();
  const auto request = proposer_request(space_, history, generation, max, seed).dump();
  CommandOutput r;
  try {
    r = run_command(opt_.command, request, opt_.timeout_s);
  } catch (const std::runtime_error& e) {
    throw UserError(fmt::format("cannot run proposer '{}': {}", opt_.command, e.what()));
  }
  if (r.timed_out)
    throw UserError(fmt::format("proposer '{}' timed out after {} s: {}", opt_.command, opt_.timeout_s, excerpt(r.err)));
  if (r.exit_code != 0)
    throw UserError(fmt::format("proposer '{}' exited with status {}: {}", opt_.command, r.exit_code, excerpt(r.err)));
  std::vector<RawCandidate> raw;
  try {
    raw = parse_proposer_response(r.out);
  } catch (const UserError& e) {
    throw UserError(fmt::format("proposer '{}': {} (stderr: {})", opt_.command, e.what(), excerpt(r.err, 300)));
  }

  std::vector<Candidate> out;
  std::unordered_set<std::string> keys;
  for (auto& rc : raw) {
    // The proposer's text is quoted with control bytes replaced: it is printed on the user's terminal.
    auto reject = [&](const std::string& why) { rejections_.push_back(printable(quote_for_message(rc.config) + ": " + why)); };
    if (!rc.error.empty()) {
      reject(rc.error);
      continue;
    }
    Candidate c;
    c.note = rc.note;
    try {  // any parse failure (a number out of range too) rejects this candidate, never the tune
      c.config = with_context("config", [&] { return TileConfig::parse(rc.config); });
    } catch (const UserError& e) {
      reject(e.what());
      continue;
    }
    if (!rc.source_file.empty()) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(rc.source_file, ec)) {
        reject("source file '" + rc.source_file + "' does not exist");
        continue;
      }
      // Absolute: the evaluator may run elsewhere (another directory, a child process).
      c.source_file = std::filesystem::absolute(rc.source_file).lexically_normal().string();
    }
    if (auto why = space_.why_invalid(c.config); !why.empty()) {
      if (!opt_.repair_invalid) {
        reject(why);
        continue;
      }
      c.config = space_.repair(c.config);
      c.note = fmt::format("repaired from {} ({})", rc.config, why);
      repairs_.push_back(rc.config + " -> " + c.config.name() + ": " + why);
    }
    if (history.contains(c)) {
      reject(c.config.name() + " already evaluated");
      continue;
    }
    if (!keys.insert(c.key()).second) {
      reject("proposed twice");
      continue;
    }
    if (static_cast<int>(out.size()) >= max) {
      reject(fmt::format("more candidates than the {} asked for", max));
      continue;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace attnlab
