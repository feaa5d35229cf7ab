#include "runtime/kernel_cache.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "io/atomic_file.hpp"
#include "io/regular_file.hpp"
#include "runtime/hash.hpp"

namespace fs = std::filesystem;

namespace attnlab {

namespace {

constexpr size_t kMaxEntryBytes = size_t(256) << 20;  // no real cubin or log comes near this

// The whole file, only if it is a regular file (no symlink, FIFO, device or directory) of sane size that
// this user owns: an entry planted by someone else is a miss, never trusted.
std::optional<std::string> read_regular(const fs::path& p) {
  return read_regular_file(p.string(), kMaxEntryBytes, nullptr, ReadLinks::refuse, /*owned_by_me=*/true);
}

// Through a temporary name and rename (io/atomic_file.hpp): a reader sees the old state or the whole
// file; a link, FIFO or file planted at the name is replaced, never written through.
bool write_atomic(const fs::path& p, const std::string& bytes) {
  try {
    write_file_atomic(p.string(), bytes, Naming::by_attnlab);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::string integrity_lines(const CacheEntry& e) {
  return fmt::format("cubin_bytes={}\ncubin_hash={}\nlog_bytes={}\nlog_hash={}\n", e.cubin.size(),
                     ContentHash().add(e.cubin).hex(), e.log.size(), ContentHash().add(e.log).hex());
}

std::string home_dir() {
  if (const char* h = std::getenv("HOME"); h && *h == '/') return h;
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_dir && pw->pw_dir[0] == '/' && pw->pw_dir[1]) return pw->pw_dir;
  return {};
}

}  // namespace

std::string kernel_cache_dir() {
  if (const char* d = std::getenv("ATTNLAB_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/') return std::string(x) + "/attnlab/kernels";
  if (const std::string h = home_dir(); !h.empty()) return h + "/.cache/attnlab/kernels";
  return fmt::format("/tmp/attnlab-kernels-{}", ::geteuid());
}

std::string prepare_cache_dir(const std::string& dir) {
  std::error_code ec;
  const fs::path p(dir);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return fmt::format("kernel cache directory {}: cannot create ({})", dir, std::strerror(errno));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return fmt::format("kernel cache directory {}: {}", dir, std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return fmt::format("kernel cache directory {} is not a directory; set ATTNLAB_CACHE_DIR", dir);
  if (st.st_uid != ::geteuid())
    return fmt::format("kernel cache directory {} is owned by uid {}, not by you (uid {}): remove it or set "
                       "ATTNLAB_CACHE_DIR to a directory of your own", dir, st.st_uid, ::geteuid());
  // Sticky or not: in a folder others can write to, they can plant an entry before attnlab writes it.
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return fmt::format("kernel cache directory {} is writable by others (mode {:o}): chmod go-w it or set "
                       "ATTNLAB_CACHE_DIR", dir, st.st_mode & 07777);
  return {};
}

std::optional<CacheEntry> cache_load(const std::string& dir, const std::string& key, const std::string& key_text) {
  const fs::path base = fs::path(dir) / key;
  const auto meta = read_regular(fs::path(base) += ".key");
  if (!meta || !meta->starts_with(key_text)) return std::nullopt;
  auto cubin = read_regular(fs::path(base) += ".cubin");
  auto log = read_regular(fs::path(base) += ".log");
  if (!cubin || !log || cubin->empty()) return std::nullopt;
  CacheEntry e{std::move(*cubin), std::move(*log)};
  if (meta->substr(key_text.size()) != integrity_lines(e)) return std::nullopt;
  return e;
}

void cache_store(const std::string& dir, const std::string& key, const std::string& key_text, const CacheEntry& e) {
  const fs::path base = fs::path(dir) / key;
  // Writers of one key take turns (flock on <key>.lock), so an entry's three files always come from one
  // writer (two logs of the same compilation differ in ptxas's timing line), and a writer that finds a
  // valid entry leaves it. Without the lock (a strange file in its place) the store still works, racily.
  const std::string lock_path = (fs::path(base) += ".lock").string();
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  if (fd >= 0) ::flock(fd, LOCK_EX);
  // The .key file last: until it is written, the new cubin and log do not match the old .key's hashes.
  if (!cache_load(dir, key, key_text) && write_atomic(fs::path(base) += ".cubin", e.cubin) &&
      write_atomic(fs::path(base) += ".log", e.log))
    write_atomic(fs::path(base) += ".key", key_text + integrity_lines(e));
  if (fd >= 0) {
    ::flock(fd, LOCK_UN);
    ::close(fd);
  }
}

}  // namespace attnlab
