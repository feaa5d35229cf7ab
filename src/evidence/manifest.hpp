#pragma once
// manifest.json of an evidence directory (attnlab.manifest/1): every step with its command line, exit
// status and seconds, and every file with its sha256, size and the step (and command) that wrote it.
// `attnlab evidence --resume` skips a step whose record says exit 0 and whose files are still as recorded.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace attnlab {

struct StepRecord {
  std::string name, command;
  int exit_code = 0;
  double seconds = 0;
  std::string finished_utc;
  std::vector<std::string> outputs;  // paths relative to the directory (files or folders)
  std::string skipped;               // why it did not run (then exit_code is 0 and nothing is hashed)
  bool unfinished = false;           // stopped by a signal to attnlab evidence (its files are partial)
};

struct FileRecord {
  std::string path, sha256, step, command;
  uintmax_t bytes = 0;
};

class Manifest {
 public:
  // The manifest in `dir`, or an empty one when there is none (a corrupt one: UserError naming the file).
  static Manifest load(const std::string& dir);
  void save(const std::string& dir) const;
  // Records a finished step: replaces its previous record and hashes every file under its outputs.
  void record(const StepRecord& s, const std::string& dir);
  // The step ran before with exit 0 and each of its files still has the recorded size and hash.
  bool complete(const std::string& name, const std::string& dir) const;
  const std::vector<StepRecord>& steps() const { return steps_; }
  const std::vector<FileRecord>& files() const { return files_; }

 private:
  std::vector<StepRecord> steps_;
  std::vector<FileRecord> files_;
};

}  // namespace attnlab
