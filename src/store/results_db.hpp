#pragma once
// The results store: one SQLite file holding every evaluation ever made (keyed by everything that can
// change its outcome) and the tuner's checkpoints. Schema-versioned with ordered migrations; every
// write is a transaction; WAL + busy timeout so two attnlab processes can share the file.
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/problem.hpp"
#include "store/evaluation.hpp"

struct sqlite3;

namespace attnlab {

// What an evaluation's outcome depends on besides the config. For find()/put() every field is part of
// the key; for all() an empty field matches anything (e.g. replay across GPUs or source versions).
struct EvalContext {
  std::string arch;         // "sm_90a"
  std::string gpu_uuid;     // "GPU-5f3c..."
  std::string driver;       // "580.65.06"
  std::string shape;        // "B4 H16/16 Sq4096 Sk4096 d128"
  std::string dtype;        // "bf16"
  std::string source_hash;  // content hash of the kernel sources
};

// The shape column of EvalContext: "B4 H16/16 Sq4096 Sk4096 d128" (+ " causal").
std::string shape_key(const AttnProblem& p);

// One profiled kernel of one backend run (schema v3, table profiles): any backend, keyed by the same
// context as the evaluations plus backend, config and kernel name, so a custom config's profile joins
// its evaluation.
struct ProfileRecord {
  std::string backend;     // "custom", "cudnn", "cublas-qk"
  std::string config;      // custom: the tile config name; else the backend's describe()
  std::string kernel;      // kernel name as ncu reports it
  std::string metric_set;  // "brief" | "full"
  nlohmann::json metrics;  // metric name -> value (base units)
  nlohmann::json verdict;  // profile::to_json(Verdict)
};

class ResultsDb {
 public:
  static constexpr int kLatestVersion = 3;
  static constexpr int kOldestReadableVersion = 2;  // open_readonly() reads versions 2..kLatestVersion

  // For writing (attnlab tune): creates the file (or fills an empty one) at kLatestVersion. ":memory:"
  // works. UserError when the file cannot be opened, is not an attnlab results database, or has another
  // schema version (older: "run `attnlab db migrate`"; newer: "use a newer attnlab"). Never migrates.
  static ResultsDb open(const std::string& path);
  // For reading (--replay, --export): opened with SQLITE_OPEN_READONLY, so the file's bytes and its
  // directory stay exactly as they were: no WAL switch, no migration, no -wal/-shm left behind.
  //  - a rollback-journal file is read under SQLite's own locks (never immutable); a -journal next to it
  //    means a writer is at work or was interrupted: UserError "... is being written ...";
  //  - a WAL file without a -wal is read immutable (no locks, nothing created); with a -wal and its
  //    -shm (a writer is open) through them; with a -wal but no -shm from a private copy of both, since
  //    reading there would create the -shm.
  // UserError on a missing, empty, foreign, corrupt or other-version file, naming the file and the cause.
  static ResultsDb open_readonly(const std::string& path);
  // `attnlab db migrate`: under the write lock, backs the file up through SQLite's backup API (which
  // also copies what a -wal holds) to a temporary file, fsyncs it and renames it to `path + ".bak"`
  // (UserError if that exists; a killed migrate never leaves a truncated .bak), then migrates to
  // kLatestVersion in the same transaction. Returns the version it had (== kLatestVersion: no change,
  // no backup).
  static int migrate_file(const std::string& path);
  // The file starts with SQLite's header ("SQLite format 3"), whatever its name (.db, .DB, .sqlite).
  static bool is_database_file(const std::string& path);
  ResultsDb(ResultsDb&&) noexcept;
  ResultsDb& operator=(ResultsDb&&) noexcept;
  ~ResultsDb();

  int schema_version();

  // The stored evaluation of `config` under `ctx` (exact match on every field).
  std::optional<Evaluation> find(const EvalContext& ctx, const TileConfig& config);
  // Insert or replace, in one transaction. The key's source hash is e.source_hash when set (a proposer
  // source changes it), else ctx.source_hash. timing_json: the full timing statistics.
  void put(const EvalContext& ctx, const Evaluation& e, const std::string& timing_json = "{}");
  // timing_json of an evaluation measured on another GPU than the context's (e.gpu_uuid set: an MPI rank):
  // {"measured_on": uuid}, which find()/all() read back into Evaluation::gpu_uuid. "{}" otherwise.
  static std::string measured_on_json(const Evaluation& e);
  // Every stored evaluation matching ctx (empty fields match anything), oldest first.
  std::vector<Evaluation> all(const EvalContext& ctx);
  // Profiler metrics (schema v2) of a stored evaluation; UserError when it is not stored.
  void set_profile_metrics(const EvalContext& ctx, const TileConfig& config, const nlohmann::json& metrics);
  std::optional<nlohmann::json> profile_metrics(const EvalContext& ctx, const TileConfig& config);

  // Insert or replace a profile (v3); every profile stored under ctx (empty fields match anything).
  void put_profile(const EvalContext& ctx, const ProfileRecord& r);
  std::vector<ProfileRecord> profiles(const EvalContext& ctx);

  // Tuner checkpoints (Tuner::checkpoint()), one per run id, replaced on every save.
  void save_checkpoint(const std::string& run_id, const nlohmann::json& state);
  std::optional<nlohmann::json> load_checkpoint(const std::string& run_id);

  sqlite3* handle() { return db_.get(); }  // for tests and one-off queries

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  struct FolderRemover {
    void operator()(std::string* dir) const;
  };
  explicit ResultsDb(sqlite3* db) : db_(db) {}
  void migrate();
  void apply_migrations(int from);  // every step after `from`, inside the caller's transaction
  // Declared first, so removed after db_ is closed: open_readonly's private copy of a file and its -wal.
  std::unique_ptr<std::string, FolderRemover> private_copy_;
  std::unique_ptr<sqlite3, Closer> db_;
};


}  // namespace attnlab
