#pragma once
// Ending everything a child process started (Linux, /proc). Killing the child's process group is not
// enough: a descendant can leave the group (setpgid) or the session as well (setsid: daemons, `setsid
// cmd &`), and kill(-pgid) misses it. Killing the child's session misses it too, since setsid starts a
// new session. So a tree is everything that is, in one scan of /proc/<pid>/stat:
//   - in the child's process group or session, or
//   - a descendant of one of those by parent links (field 4), whatever group or session it moved to, or
//   - marked with the child's token in its environment (kTreeMarkerVar, set by the runner and inherited
//     through fork, exec and setsid): what left the parent links early, when its parent exited and it
//     was reparented to init before the kill (a double-forked daemon).
// Each scan stops (SIGSTOP) what it found, so nothing can fork a child the next scan would not see;
// scans repeat until one finds nothing new, then everything found gets SIGKILL.
// Not caught: a process that left the parent links early and also cleared its environment. Catching
// that one too takes PR_SET_CHILD_SUBREAPER, which makes attnlab the parent of every orphan of every
// child: all of them to reap, and to tell apart between children that run at the same time.
#include <sys/types.h>

#include <csignal>

#include <string>
#include <vector>

namespace attnlab {

// "ATTNLAB_PROCESS_TREE": space-separated tokens, one per runner between attnlab and the process (a
// child of a child of attnlab carries both), so the outer runner's kill still finds it.
inline constexpr const char* kTreeMarkerVar = "ATTNLAB_PROCESS_TREE";

// A token no other child of any process on this machine has (this process's pid, a random number drawn
// once per process, a counter).
std::string new_tree_token();
// The environment for a child marked with `token`: ours, with the token appended to kTreeMarkerVar.
std::vector<std::string> marked_environment(const std::string& token);

// `sig` (SIGKILL unless given) to `root` and everything of its tree (above); after a signal other than
// SIGKILL the stopped processes are continued, so they can act on it (SIGTERM: clean up and exit).
// Returns how many processes were signalled. Never signals the calling process. `root` is not reaped:
// the caller waits for it as before (an exited but unreaped root keeps its pid, so it is safe to pass).
int kill_process_tree(pid_t root, const std::string& token, int sig = SIGKILL);

}  // namespace attnlab
