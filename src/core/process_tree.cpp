#include "core/process_tree.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <fmt/format.h>

extern char** environ;

namespace attnlab {

namespace {
struct ProcStat {
  pid_t pid = 0, ppid = 0, pgrp = 0, sid = 0;
};

// /proc/<pid>/stat: "pid (comm) state ppid pgrp session ..."; comm may hold spaces and ')'.
bool read_stat(pid_t pid, ProcStat& s) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return false;
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 1));
  char state = 0;
  s.pid = pid;
  return bool(rest >> state >> s.ppid >> s.pgrp >> s.sid);
}

std::vector<ProcStat> all_processes() {
  std::vector<ProcStat> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (const dirent* e = ::readdir(d)) {
    pid_t pid = 0;
    const char* end = e->d_name + std::strlen(e->d_name);
    if (std::from_chars(e->d_name, end, pid).ptr != end || pid <= 0) continue;
    ProcStat s;
    if (read_stat(pid, s)) out.push_back(s);
  }
  ::closedir(d);
  return out;
}

// The tokens of kTreeMarkerVar in a process's environment (as it was at exec).
bool carries_token(pid_t pid, const std::string& token) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  const std::string env((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const std::string key = std::string(kTreeMarkerVar) + "=";
  for (size_t at = 0; at < env.size();) {
    const size_t end = std::min(env.find('\0', at), env.size());
    if (env.compare(at, key.size(), key) == 0) {
      std::istringstream words(env.substr(at + key.size(), end - at - key.size()));
      for (std::string w; words >> w;)
        if (w == token) return true;
    }
    at = end + 1;
  }
  return false;
}

// One scan: the tree of `root` as it is now (see the header).
std::set<pid_t> scan_tree(pid_t root, const std::string& token) {
  const auto procs = all_processes();
  std::multimap<pid_t, pid_t> children;
  std::set<pid_t> tree{root};
  for (const auto& p : procs) {
    children.emplace(p.ppid, p.pid);
    if (p.pgrp == root || p.sid == root || (!token.empty() && carries_token(p.pid, token))) tree.insert(p.pid);
  }
  std::vector<pid_t> todo(tree.begin(), tree.end());
  while (!todo.empty()) {
    const pid_t p = todo.back();
    todo.pop_back();
    for (auto [it, end] = children.equal_range(p); it != end; ++it)
      if (tree.insert(it->second).second) todo.push_back(it->second);
  }
  tree.erase(::getpid());
  return tree;
}
}  // namespace

std::string new_tree_token() {
  static std::atomic<unsigned> serial{0};
  static const uint64_t run = (uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
  return fmt::format("{}.{:x}.{}", ::getpid(), run, serial++);  // a later process with our pid differs
}

std::vector<std::string> marked_environment(const std::string& token) {
  std::vector<std::string> env;
  const std::string key = std::string(kTreeMarkerVar) + "=";
  std::string marker = key + token;
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, key.c_str(), key.size()) == 0) marker = std::string(*e) + " " + token;
    else env.emplace_back(*e);
  }
  env.push_back(marker);
  return env;
}

int kill_process_tree(pid_t root, const std::string& token, int sig) {
  std::set<pid_t> stopped;
  for (int round = 0; round < 100; ++round) {
    bool grew = false;
    for (pid_t p : scan_tree(root, token))
      if (stopped.insert(p).second) {
        ::kill(p, SIGSTOP);
        grew = true;
      }
    if (!grew) break;
  }
  for (pid_t p : stopped) ::kill(p, sig);
  if (sig != SIGKILL)
    for (pid_t p : stopped) ::kill(p, SIGCONT);
  return int(stopped.size());
}

}  // namespace attnlab
