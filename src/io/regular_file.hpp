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

// The whole file, or nullopt with *why set (when given) to a short reason.
std::optional<std::string> read_regular_file(const std::string& path, size_t max_bytes, std::string* why = nullptr);

}  // namespace attnlab
