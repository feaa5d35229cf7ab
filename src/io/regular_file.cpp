#include "io/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace attnlab {

std::string regular_file_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno == ENOENT ? "does not exist" : std::strerror(errno);
  if (S_ISREG(st.st_mode)) return {};
  if (S_ISDIR(st.st_mode)) return "is a folder";
  return "is not a regular file (a device, FIFO or socket)";
}

std::optional<std::string> read_regular_file(const std::string& path, size_t max_bytes, std::string* why,
                                             ReadLinks links, bool owned_by_me) {
  std::string reason;
  std::optional<std::string> out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | (links == ReadLinks::refuse ? O_NOFOLLOW : 0));
  struct stat st {};
  if (fd < 0) reason = std::strerror(errno);
  else if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) reason = "not a regular file";
  else if (owned_by_me && st.st_uid != ::geteuid()) reason = "owned by uid " + std::to_string(st.st_uid) + ", not by you";
  else if (size_t(st.st_size) > max_bytes) reason = "larger than " + std::to_string(max_bytes) + " bytes";
  else {
    std::string s(size_t(st.st_size), '\0');
    size_t done = 0;
    for (ssize_t n; done < s.size() && (n = ::read(fd, s.data() + done, s.size() - done)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        reason = std::strerror(errno);
        break;
      }
      done += size_t(n);
    }
    if (reason.empty()) {
      s.resize(done);
      out = std::move(s);
    }
  }
  if (fd >= 0) ::close(fd);
  if (why) *why = reason;
  return out;
}

}  // namespace attnlab
