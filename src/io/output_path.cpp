#include "io/output_path.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "core/parse.hpp"

namespace fs = std::filesystem;

namespace attnlab {

namespace {
// Why the calling user cannot create entries in `dir` (an existing folder), or empty. access() also
// reports a read-only file system (EROFS), which permission bits do not show.
std::string folder_not_writable(const fs::path& dir) {
  if (::access(dir.c_str(), W_OK | X_OK) == 0) return {};
  const int err = errno;
  return fmt::format("folder {} is not writable ({}); choose another path", quote_for_message(dir.string()), std::strerror(err));
}

// The path itself, or its nearest existing ancestor: where a create_directories would start.
fs::path nearest_existing(fs::path p) {
  std::error_code ec;
  while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
  return p.empty() ? fs::path(".") : p;
}

// Missing folders of `dir` are created by the command: the nearest existing one must be a writable folder.
std::string folders_creatable(const fs::path& dir) {
  const fs::path base = nearest_existing(dir);
  std::error_code ec;
  if (!fs::is_directory(base, ec))
    return fmt::format("{} is a file, not a folder; choose another path", quote_for_message(base.string()));
  return folder_not_writable(base);
}
}  // namespace

std::string output_path_problem(const std::string& path, OutputKind kind) {
  if (path.empty()) return kind == OutputKind::folder ? "empty path; name a folder" : "empty path; name a file";
  std::error_code ec;
  const fs::path p(path);
  const fs::file_status st = fs::status(p, ec);  // follows a symbolic link: what a write would open
  // A name too long for the file system, a loop of links, no permission to look: said as it is.
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    return ec.message() + "; choose another path";
  if (kind == OutputKind::folder) {
    if (!fs::exists(st)) return folders_creatable(p);
    if (!fs::is_directory(st)) return "exists and is not a folder; name a folder";
    return folder_not_writable(p);
  }
  if (fs::is_directory(st)) return "is a folder; name a file inside it";
  if (fs::exists(st) && ::access(p.c_str(), W_OK) != 0)
    return fmt::format("is not writable ({}); choose another path", std::strerror(errno));
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (kind == OutputKind::file_in_folders) return folders_creatable(dir);
  const fs::file_status dst = fs::status(dir, ec);
  if (!fs::exists(dst)) return fmt::format("folder {} does not exist (create it, or choose another path)", quote_for_message(dir.string()));
  if (!fs::is_directory(dst)) return fmt::format("{} is a file, not a folder; choose another path", quote_for_message(dir.string()));
  return fs::exists(st) ? std::string() : folder_not_writable(dir);
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec1, ec2;
  if (fs::exists(a, ec1) && fs::exists(b, ec2)) return fs::is_regular_file(a, ec1) && fs::equivalent(a, b, ec2);
  const fs::path ca = fs::weakly_canonical(fs::absolute(a), ec1), cb = fs::weakly_canonical(fs::absolute(b), ec2);
  return !ec1 && !ec2 && ca == cb;
}

}  // namespace attnlab
