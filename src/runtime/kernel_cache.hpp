#pragma once
// The on-disk cubin cache behind compile(). An entry is three files named by the key: <key>.cubin,
// <key>.log and <key>.key; the .key file holds the full key text and, after it, the length and content
// hash of the cubin and of the log. An entry is a hit only when all three are regular files (opened
// without following links and without blocking: a FIFO or a directory is a miss, never a hang) whose
// bytes match the .key file: a truncated, random or edited file is a miss, and the caller's store()
// replaces the entry (each file by atomic rename).
#include <optional>
#include <string>

namespace attnlab {

struct CacheEntry {
  std::string cubin, log;
};

// $ATTNLAB_CACHE_DIR, else $XDG_CACHE_HOME/attnlab/kernels, else ~/.cache/attnlab/kernels ($HOME, or the
// user's home from the password database), else /tmp/attnlab-kernels-<uid>.
std::string kernel_cache_dir();
// Creates `dir` (the last component 0700) if missing; empty when it is usable, else why not: not a
// directory, owned by another user, or group/world-writable (sticky or not, like /tmp). An entry file
// owned by another user is a miss.
std::string prepare_cache_dir(const std::string& dir);

std::optional<CacheEntry> cache_load(const std::string& dir, const std::string& key, const std::string& key_text);
// Best effort: a write failure leaves no partial entry that could be taken for a hit.
void cache_store(const std::string& dir, const std::string& key, const std::string& key_text, const CacheEntry& e);

}  // namespace attnlab
