#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"

namespace fs = std::filesystem;

namespace attnlab {

namespace {
[[noreturn]] void cannot_write(const std::string& path, int err) {
  throw UserError(fmt::format("{}: cannot write ({})", path, std::strerror(err)));
}

// All of `bytes` to `fd`, or the errno of the write that failed.
int write_all(int fd, std::string_view bytes) {
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    done += size_t(n);
  }
  return 0;
}

std::string folder_of(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

// A temporary name next to the target, short enough for any folder (a target name of 255 bytes still
// gets one), hidden, and unpredictable.
std::string temp_name(const std::string& dir) {
  static std::mutex m;  // compile threads store cache entries at the same time
  static std::mt19937_64 rng{std::random_device{}()};
  uint64_t r;
  {
    std::lock_guard lk(m);
    r = rng();
  }
  return (fs::path(dir) / fmt::format(".attnlab-{}-{:016x}.tmp", ::getpid(), r)).string();
}

void sync_folder(const std::string& dir) {  // makes the rename itself durable; best effort
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}
}  // namespace

// ---------------------------------------------------------------- AtomicFile
AtomicFile::AtomicFile(std::string path, Naming naming) : path_(std::move(path)), target_(path_) {
  if (path_.empty()) throw UserError("cannot write a file with an empty name");
  struct stat st {};
  mode_t mode = 0;
  bool keep_mode = false;
  const int found = naming == Naming::by_user ? ::stat(path_.c_str(), &st) : ::lstat(path_.c_str(), &st);
  if (found == 0) {
    if (S_ISDIR(st.st_mode)) cannot_write(path_, EISDIR);
    if (naming == Naming::by_user && !S_ISREG(st.st_mode)) {  // /dev/null, /dev/full, a FIFO the user named
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
      if (fd_ < 0) cannot_write(path_, errno);
      in_place_ = true;
      return;
    }
    if (S_ISREG(st.st_mode)) mode = st.st_mode & 07777, keep_mode = true;
    if (naming == Naming::by_user) {  // the file the user's links lead to is replaced; the links stay
      if (char* real = ::realpath(path_.c_str(), nullptr)) {
        target_ = real;
        std::free(real);
      }
    }
  }
  const std::string dir = folder_of(target_);
  for (int tries = 0; fd_ < 0 && tries < 16; ++tries) {
    tmp_ = temp_name(dir);
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) cannot_write(path_, errno);
  }
  if (fd_ < 0) cannot_write(path_, EEXIST);
  if (keep_mode) (void)::fchmod(fd_, mode);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
}

void AtomicFile::fail(int err) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  cannot_write(path_, err);
}

void AtomicFile::write(std::string_view bytes) {
  if (fd_ < 0) throw std::logic_error("AtomicFile::write after commit");
  if (const int err = write_all(fd_, bytes)) fail(err);
}

void AtomicFile::commit() {
  if (fd_ < 0) throw std::logic_error("AtomicFile::commit twice");
  if (!in_place_ && ::fsync(fd_) != 0) fail(errno);
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) fail(errno);
  if (in_place_) return;
  if (::rename(tmp_.c_str(), target_.c_str()) != 0) fail(errno);
  tmp_.clear();
  sync_folder(folder_of(target_));
}

void write_file_atomic(const std::string& path, std::string_view bytes, Naming naming) {
  AtomicFile f(path, naming);
  f.write(bytes);
  f.commit();
}

// ---------------------------------------------------------------- LogFile
LogFile::LogFile(std::string path, bool fresh) : path_(std::move(path)) {
  if (fresh) {
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
      struct stat st {};
      if (::lstat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) cannot_write(path_, EISDIR);
      cannot_write(path_, errno);
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  } else {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno == ELOOP)
      throw UserError(fmt::format("{}: is a symbolic link; attnlab appends only to a file of its own (remove the link)", path_));
  }
  if (fd_ < 0) cannot_write(path_, errno);
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw UserError(fmt::format("{}: cannot write (not a regular file)", path_));
  }
  size_at_open_ = static_cast<long long>(st.st_size);
}

LogFile::~LogFile() {
  if (fd_ >= 0) ::close(fd_);
}

void LogFile::write(std::string_view bytes) {
  if (fd_ < 0) cannot_write(path_, EBADF);
  if (const int err = write_all(fd_, bytes)) cannot_write(path_, err);
}

void LogFile::close() {
  if (fd_ < 0) return;
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) cannot_write(path_, errno);
}

// ---------------------------------------------------------------- planted links
std::vector<std::string> remove_planted_links(const std::string& dir, const std::string& rel) {
  std::vector<std::string> removed;
  fs::path at(dir);
  for (const auto& part : fs::path(rel).lexically_normal()) {
    if (part == "." || part.empty()) continue;
    if (part == "..") break;  // never above dir
    at /= part;
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(at, ec))) continue;
    const std::string to = fs::read_symlink(at, ec).string();
    if (::unlink(at.c_str()) == 0) removed.push_back(printable(at.lexically_relative(dir).string() + " -> " + to));
  }
  return removed;
}

}  // namespace attnlab
