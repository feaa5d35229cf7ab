#pragma once
// Every file attnlab writes goes through here, so that no write is silent, half done or redirected:
//  - AtomicFile: a whole file (a report, a JSON document, a .npy, a backup) written to a temporary file
//    in the target's folder, then flushed, fsynced, closed and renamed over the target; a reader (or a
//    crash) sees the old file or the new one, never half of one;
//  - LogFile: a file that grows while the work runs (evo_log.csv, an evidence step's log), opened
//    without following a symbolic link;
// and every failure (a full disk, /dev/full, a folder that vanished) is a UserError "<path>: cannot write
// (<reason>)": a non-zero exit, never an exit 0 with an empty or truncated file. Host-only.
#include <string>
#include <string_view>
#include <vector>

namespace attnlab {

// Who chose the file's name. A path the user gave (--out x.json) may be a symbolic link to the file the
// user means: that file is replaced and the link stays. A name attnlab makes inside a folder
// (DIR/report.html, DIR/env.json, OUT_DIR/evo_best.json) is never followed: a link planted there is
// replaced by the new file, never written through.
enum class Naming { by_user, by_attnlab };

class AtomicFile {
 public:
  // Creates the temporary file (O_CREAT | O_EXCL | O_NOFOLLOW, the mode of the file it replaces). An
  // existing target that is not a regular file and that the user named (/dev/null, /dev/full, a FIFO) is
  // written in place instead. UserError when the path is a folder or the temporary file cannot be made.
  explicit AtomicFile(std::string path, Naming naming = Naming::by_user);
  ~AtomicFile();  // without commit(): the temporary file is removed, the target is untouched
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view bytes);  // UserError on a failed write
  void commit();                       // fsync, close (checked), rename over the target
  const std::string& path() const { return path_; }
  // The temporary file, for a writer that needs its own handle on it (SQLite's backup API); empty when
  // the target is written in place.
  const std::string& temp_path() const { return tmp_; }

 private:
  [[noreturn]] void fail(int err);
  std::string path_, target_, tmp_;  // as given; where the bytes end up; the temporary file
  int fd_ = -1;
  bool in_place_ = false;
};

// AtomicFile in one call.
void write_file_atomic(const std::string& path, std::string_view bytes, Naming naming = Naming::by_user);

class LogFile {
 public:
  // fresh: whatever is at `path` (a file, a planted link) is unlinked and a new file created with O_EXCL;
  // else appended to (a regular file; a symbolic link is refused). UserError when it cannot be opened.
  LogFile(std::string path, bool fresh);
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  void write(std::string_view bytes);  // the whole text or a UserError
  void close();                        // checked; also done (unchecked) by the destructor
  int fd() const { return fd_; }       // for a child process's stdout/stderr
  const std::string& path() const { return path_; }
  long long size_at_open() const { return size_at_open_; }  // 0 for a fresh file

 private:
  std::string path_;
  int fd_ = -1;
  long long size_at_open_ = 0;
};

// Removes symbolic links at `rel` and at each folder on the way to it inside `dir` (dir itself is the
// user's and is left as it is), so that files attnlab then creates there land in `dir` and nowhere
// else. Returns the links removed ("tune -> /elsewhere"), for a note.
std::vector<std::string> remove_planted_links(const std::string& dir, const std::string& rel);

}  // namespace attnlab
