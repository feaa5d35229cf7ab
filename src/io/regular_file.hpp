#pragma once
// Reading a file whose path came from outside (a cache entry, a proposer's source): only a regular file
// of bounded size, opened without following a final symlink and without blocking, so a FIFO, a device
// or a directory put where a file is expected is refused at once instead of hanging or streaming forever.
#include <cstddef>
#include <optional>
#include <string>

namespace attnlab {

// Empty when `path` is a regular file (a symbolic link to one counts); else "does not exist", "is a
// folder" or "is not a regular file (a device, FIFO or socket)": a message that says which.
std::string regular_file_problem(const std::string& path);

// Whether a final symbolic link is followed: refused for names attnlab makes (cache entries), followed
// for a path the user gave (--seed-from link.json).
enum class ReadLinks { refuse, follow };

// The whole file, or nullopt with *why set (when given) to a short reason. owned_by_me: a file owned by
// another user is refused too ("owned by uid N"), for files attnlab trusts (the kernel cache).
std::optional<std::string> read_regular_file(const std::string& path, size_t max_bytes, std::string* why = nullptr,
                                             ReadLinks links = ReadLinks::refuse, bool owned_by_me = false);

}  // namespace attnlab
