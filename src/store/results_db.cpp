#include "store/results_db.hpp"

#include <sqlite3.h>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"

namespace attnlab {

namespace {

// Migrations in order; migration N takes a version N-1 database to version N. Never edit a released
// step: add a new one (existing files were made by the old text).
struct Migration {
  int version;
  const char* sql;
};
const Migration kMigrations[] = {
    {1, R"sql(
      CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        arch TEXT NOT NULL, gpu_uuid TEXT NOT NULL, driver TEXT NOT NULL,
        shape TEXT NOT NULL, dtype TEXT NOT NULL, source_hash TEXT NOT NULL, config TEXT NOT NULL,
        compiled INTEGER NOT NULL, registers INTEGER NOT NULL, spill_bytes INTEGER NOT NULL,
        smem_bytes INTEGER NOT NULL, correct INTEGER NOT NULL, max_error REAL NOT NULL,
        median_us REAL NOT NULL, tflops REAL NOT NULL, speedup_vs_cudnn REAL NOT NULL,
        error TEXT NOT NULL, timing_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL DEFAULT (datetime('now')),
        UNIQUE (arch, gpu_uuid, driver, shape, dtype, source_hash, config));
      CREATE TABLE tuner_checkpoints (
        run_id TEXT PRIMARY KEY, state TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (datetime('now')));
    )sql"},
    // NULL = not profiled yet (profiling is a later, optional pass over stored evaluations).
    {2, "ALTER TABLE evaluations ADD COLUMN profile_metrics TEXT;"},
    // Nsight Compute profiles of any backend (attnlab profile), one row per kernel.
    {3, R"sql(
      CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        arch TEXT NOT NULL, gpu_uuid TEXT NOT NULL, driver TEXT NOT NULL,
        shape TEXT NOT NULL, dtype TEXT NOT NULL, source_hash TEXT NOT NULL,
        backend TEXT NOT NULL, config TEXT NOT NULL, kernel TEXT NOT NULL, metric_set TEXT NOT NULL,
        metrics TEXT NOT NULL, verdict TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (datetime('now')),
        UNIQUE (arch, gpu_uuid, driver, shape, dtype, source_hash, backend, config, kernel, metric_set));
    )sql"},
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == ResultsDb::kLatestVersion);

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error("sqlite: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

void exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : sqlite3_errmsg(db);
    sqlite3_free(msg);
    throw std::runtime_error("sqlite: " + m);
  }
}

// A prepared statement, finalized on scope exit; bind() indices are 1-based, column() 0-based.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) fail(db, std::string("prepare ") + sql);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, const std::string& v) {
    return check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Stmt& bind(int i, int v) { return check(sqlite3_bind_int(s_, i, v)); }
  Stmt& bind(int i, bool v) { return bind(i, v ? 1 : 0); }
  Stmt& bind(int i, double v) { return check(sqlite3_bind_double(s_, i, v)); }
  // True while there is a row to read.
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step");
  }
  bool is_null(int c) { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  int integer(int c) { return sqlite3_column_int(s_, c); }
  double real(int c) { return sqlite3_column_double(s_, c); }
  std::string text(int c) {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, c))) : std::string();
  }

 private:
  Stmt& check(int rc) {
    if (rc != SQLITE_OK) fail(db_, "bind");
    return *this;
  }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// BEGIN IMMEDIATE takes the write lock up front, so a concurrent writer waits in the busy handler
// instead of failing half-way with SQLITE_BUSY on lock upgrade. Rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE"); }
  void commit() {
    exec(db_, "COMMIT");
    done_ = true;
  }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

int read_version(sqlite3* db) {
  Stmt has(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'");
  if (!has.step()) return 0;
  Stmt v(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
  v.step();
  return v.integer(0);
}

// What the file holds: -1 = no tables at all (new or empty file), else its schema version. UserError
// when it is not an attnlab results database (no schema_version table, or not SQLite at all).
int attnlab_version(sqlite3* db, const std::string& path) {
  std::vector<std::string> tables;
  try {
    Stmt s(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name");
    while (s.step()) tables.push_back(s.text(0));
  } catch (const std::runtime_error&) {
    throw UserError(path + ": not an attnlab results database (" + sqlite3_errmsg(db) + ")");
  }
  if (tables.empty()) return -1;
  const auto has = [&](const char* t) { return std::find(tables.begin(), tables.end(), t) != tables.end(); };
  if (!has("schema_version") || !has("evaluations")) {
    std::string list;
    for (size_t i = 0; i < tables.size() && i < 5; ++i) list += (i ? ", " : "") + tables[i];
    throw UserError(path + ": not an attnlab results database (its tables: " + list + (tables.size() > 5 ? ", ..." : "") + ")");
  }
  return read_version(db);
}

// UserError unless `version` is the one this attnlab reads and writes.
void require_latest(int version, const std::string& path) {
  const int latest = ResultsDb::kLatestVersion;
  if (version > latest)
    throw UserError(fmt::format("{}: results database schema version {} is newer than this attnlab's {}; use a newer attnlab",
                                path, version, latest));
  if (version < latest)
    throw UserError(fmt::format("{}: schema version {} is older than this attnlab's {}: run `attnlab db migrate {}` "
                                "(makes {}.bak first)", path, version, latest, path, path));
}

// A SQLite URI for a file name: characters URIs give a meaning to are percent-encoded.
std::string file_uri(const std::string& path, const std::string& query) {
  std::string u = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || std::strchr("/._-~", c)) u += char(c);
    else u += fmt::format("%{:02X}", c);
  }
  return u + "?" + query;
}

constexpr const char* kKeyWhere =
    "arch=?1 AND gpu_uuid=?2 AND driver=?3 AND shape=?4 AND dtype=?5 AND source_hash=?6 AND config=?7";

void bind_key(Stmt& s, const EvalContext& ctx, const std::string& source_hash, const TileConfig& c) {
  s.bind(1, ctx.arch).bind(2, ctx.gpu_uuid).bind(3, ctx.driver).bind(4, ctx.shape).bind(5, ctx.dtype);
  s.bind(6, source_hash).bind(7, c.name());
}

// ?1..?6 = the EvalContext fields; an empty field matches anything.
constexpr const char* kCtxMatch =
    "(?1='' OR arch=?1) AND (?2='' OR gpu_uuid=?2) AND (?3='' OR driver=?3) AND (?4='' OR shape=?4) AND "
    "(?5='' OR dtype=?5) AND (?6='' OR source_hash=?6)";

void bind_ctx(Stmt& s, const EvalContext& ctx) {
  s.bind(1, ctx.arch).bind(2, ctx.gpu_uuid).bind(3, ctx.driver).bind(4, ctx.shape).bind(5, ctx.dtype);
  s.bind(6, ctx.source_hash);
}

constexpr const char* kEvalColumns =
    "config, source_hash, compiled, registers, spill_bytes, smem_bytes, correct, max_error, median_us, "
    "tflops, speedup_vs_cudnn, error";

Evaluation read_eval(Stmt& s) {
  Evaluation e;
  const std::string name = s.text(0);
  e.config = with_context("results database row with config '" + name.substr(0, 80) + "'", [&] { return TileConfig::parse(name); });
  e.source_hash = s.text(1);
  e.compiled = s.integer(2) != 0;
  e.registers = s.integer(3);
  e.spill_bytes = s.integer(4);
  e.smem_bytes = s.integer(5);
  e.correct = s.integer(6) != 0;
  e.max_error = s.real(7);
  e.median_us = s.real(8);
  e.tflops = s.real(9);
  e.speedup_vs_cudnn = s.real(10);
  e.error = s.text(11);
  return e;
}

}  // namespace

void ResultsDb::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

ResultsDb::ResultsDb(ResultsDb&&) noexcept = default;
ResultsDb& ResultsDb::operator=(ResultsDb&&) noexcept = default;
ResultsDb::~ResultsDb() = default;

ResultsDb ResultsDb::open_readonly(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw UserError(path + ": cannot open (" + std::strerror(errno) + ")");
  if (!S_ISREG(st.st_mode)) throw UserError(path + ": not a results database (not a regular file)");
  if (st.st_size == 0) throw UserError(path + ": not an attnlab results database (empty file)");
  // immutable=1: no locks, no -shm, no change counter: nothing is created or written. Only when a
  // -wal file exists (a tune is writing, or one crashed) must SQLite read it: plain read-only mode.
  struct stat wal {};
  const bool has_wal = ::stat((path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file_uri(path, has_wal ? "mode=ro" : "mode=ro&immutable=1").c_str(), &raw,
                                 SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  ResultsDb db(raw);
  if (rc != SQLITE_OK) throw UserError("cannot open results database '" + path + "': " + sqlite3_errmsg(raw));
  sqlite3_busy_timeout(raw, 15000);
  exec(raw, "PRAGMA query_only=1");
  const int v = attnlab_version(raw, path);
  if (v < 0) throw UserError(path + ": not an attnlab results database (no tables)");
  // Reading needs only the evaluations and checkpoints tables, unchanged since version 2 (version 3 added
  // profiles): older readable files are read as they are, never migrated.
  if (v < kOldestReadableVersion || v > kLatestVersion) require_latest(v, path);
  return db;
}

int ResultsDb::migrate_file(const std::string& path) {
  struct stat st {};
  errno = 0;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    throw UserError(path + ": cannot open (" + (errno ? std::strerror(errno) : "not a regular file") + ")");
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  ResultsDb db(raw);
  if (rc != SQLITE_OK) throw UserError("cannot open results database '" + path + "': " + sqlite3_errmsg(raw));
  sqlite3_busy_timeout(raw, 15000);
  const int from = attnlab_version(raw, path);
  if (from < 0) throw UserError(path + ": not an attnlab results database (no tables)");
  if (from > kLatestVersion) require_latest(from, path);
  if (from == kLatestVersion) return from;
  const std::string bak = path + ".bak";
  if (::stat(bak.c_str(), &st) == 0) throw UserError(bak + " exists: move it away first (it may be an older backup)");
  {
    // The write lock first: no other attnlab can change the file while it is copied.
    Transaction lock(raw);
    std::error_code ec;
    struct stat wal {};
    if (::stat((path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0) {
      // Committed pages may still sit in the -wal file: SQLite's backup copies the database as it reads.
      sqlite3* out = nullptr;
      const int orc = sqlite3_open_v2(bak.c_str(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
      ResultsDb backup(out);
      sqlite3_backup* b = orc == SQLITE_OK ? sqlite3_backup_init(out, "main", raw, "main") : nullptr;
      const int brc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
      sqlite3_backup_finish(b);
      if (brc != SQLITE_DONE) ec = std::make_error_code(std::errc::io_error);
    } else {
      std::filesystem::copy_file(path, bak, ec);  // byte for byte
    }
    if (ec) {
      std::remove(bak.c_str());
      throw UserError("cannot back up '" + path + "' to '" + bak + "': " + ec.message());
    }
    lock.commit();
  }
  try {
    db.migrate();
  } catch (const std::runtime_error& e) {
    throw UserError(fmt::format("{}: migration failed ({}); the file is unchanged, {} is its copy", path, e.what(), bak));
  }
  return from;
}

ResultsDb ResultsDb::open(const std::string& path) {
  namespace fs = std::filesystem;
  const bool on_disk = path != ":memory:" && path.rfind("file:", 0) != 0;
  if (on_disk && fs::path(path).has_parent_path()) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);  // a failure shows up as CANTOPEN below
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, nullptr);
  ResultsDb db(raw);  // owns the handle even when open failed
  if (rc != SQLITE_OK) throw UserError("cannot open results database '" + path + "': " + sqlite3_errmsg(raw));
  try {
    // Another process may hold the write lock for a moment (a parallel tune); wait instead of failing.
    sqlite3_busy_timeout(raw, 15000);
    // A file that is not ours, or of another version, is refused before anything is written to it.
    const int version = attnlab_version(raw, path);
    if (version >= 0) require_latest(version, path);
    // WAL: readers never block the writer and vice versa, and a crash mid-write leaves the file intact.
    if (on_disk) exec(raw, "PRAGMA journal_mode=WAL");
    if (version < 0) db.migrate();  // a new file: create the latest schema
  } catch (const UserError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw UserError("results database '" + path + "': " + e.what());
  }
  return db;
}

void ResultsDb::migrate() {
  sqlite3* db = db_.get();
  if (read_version(db) == kLatestVersion) return;  // the common case takes no write lock
  Transaction tx(db);
  // Re-read under the lock: another process may have migrated in between.
  exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
           "applied_at TEXT NOT NULL DEFAULT (datetime('now')))");
  const int from = read_version(db);
  if (from > kLatestVersion)
    throw UserError("results database schema version " + std::to_string(from) + " is newer than this attnlab (" +
                    std::to_string(kLatestVersion) + "); use a newer attnlab");
  for (const auto& m : kMigrations) {
    if (m.version <= from) continue;
    exec(db, m.sql);
    Stmt s(db, "INSERT INTO schema_version(version) VALUES (?1)");
    s.bind(1, m.version).step();
  }
  tx.commit();
}

int ResultsDb::schema_version() { return read_version(db_.get()); }

std::optional<Evaluation> ResultsDb::find(const EvalContext& ctx, const TileConfig& config) {
  Stmt s(db_.get(), (std::string("SELECT ") + kEvalColumns + " FROM evaluations WHERE " + kKeyWhere).c_str());
  bind_key(s, ctx, ctx.source_hash, config);
  if (!s.step()) return std::nullopt;
  return read_eval(s);
}

void ResultsDb::put(const EvalContext& ctx, const Evaluation& e, const std::string& timing_json) {
  Transaction tx(db_.get());
  // REPLACE (not an UPDATE upsert) so a re-evaluation also drops profile metrics of the old one.
  Stmt s(db_.get(),
         "INSERT OR REPLACE INTO evaluations (arch, gpu_uuid, driver, shape, dtype, source_hash, config, "
         "compiled, registers, spill_bytes, smem_bytes, correct, max_error, median_us, tflops, "
         "speedup_vs_cudnn, error, timing_json) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
  bind_key(s, ctx, e.source_hash.empty() ? ctx.source_hash : e.source_hash, e.config);
  s.bind(8, e.compiled).bind(9, e.registers).bind(10, e.spill_bytes).bind(11, e.smem_bytes).bind(12, e.correct);
  s.bind(13, e.max_error).bind(14, e.median_us).bind(15, e.tflops).bind(16, e.speedup_vs_cudnn);
  s.bind(17, e.error).bind(18, timing_json);
  s.step();
  tx.commit();
}

std::vector<Evaluation> ResultsDb::all(const EvalContext& ctx) {
  Stmt s(db_.get(), (std::string("SELECT ") + kEvalColumns + " FROM evaluations WHERE " + kCtxMatch + " ORDER BY id").c_str());
  bind_ctx(s, ctx);
  std::vector<Evaluation> out;
  while (s.step()) out.push_back(read_eval(s));
  return out;
}

void ResultsDb::set_profile_metrics(const EvalContext& ctx, const TileConfig& config, const nlohmann::json& metrics) {
  Transaction tx(db_.get());
  Stmt s(db_.get(), (std::string("UPDATE evaluations SET profile_metrics=?8 WHERE ") + kKeyWhere).c_str());
  bind_key(s, ctx, ctx.source_hash, config);
  s.bind(8, metrics.dump());
  s.step();
  if (sqlite3_changes(db_.get()) == 0)
    throw UserError("no stored evaluation of " + config.name() + " to attach profile metrics to");
  tx.commit();
}

std::optional<nlohmann::json> ResultsDb::profile_metrics(const EvalContext& ctx, const TileConfig& config) {
  Stmt s(db_.get(), (std::string("SELECT profile_metrics FROM evaluations WHERE ") + kKeyWhere).c_str());
  bind_key(s, ctx, ctx.source_hash, config);
  if (!s.step() || s.is_null(0)) return std::nullopt;
  return with_context("results database: profile metrics of " + config.name(), [&] { return nlohmann::json::parse(s.text(0)); });
}

void ResultsDb::put_profile(const EvalContext& ctx, const ProfileRecord& r) {
  Transaction tx(db_.get());
  Stmt s(db_.get(),
         "INSERT OR REPLACE INTO profiles (arch, gpu_uuid, driver, shape, dtype, source_hash, backend, config, kernel, "
         "metric_set, metrics, verdict) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  bind_ctx(s, ctx);
  s.bind(7, r.backend).bind(8, r.config).bind(9, r.kernel).bind(10, r.metric_set);
  s.bind(11, r.metrics.dump()).bind(12, r.verdict.dump());
  s.step();
  tx.commit();
}

std::vector<ProfileRecord> ResultsDb::profiles(const EvalContext& ctx) {
  Stmt s(db_.get(), (std::string("SELECT backend, config, kernel, metric_set, metrics, verdict FROM profiles WHERE ") +
                     kCtxMatch + " ORDER BY id").c_str());
  bind_ctx(s, ctx);
  std::vector<ProfileRecord> out;
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), nlohmann::json::parse(s.text(4)),
                   nlohmann::json::parse(s.text(5))});
  return out;
}

std::string shape_key(const AttnProblem& p) {
  return fmt::format("B{} H{}/{} Sq{} Sk{} d{}{}", p.batch, p.heads, p.heads_k, p.seqlen_q, p.seqlen_k, p.head_dim,
                     p.causal ? " causal" : "");
}

void ResultsDb::save_checkpoint(const std::string& run_id, const nlohmann::json& state) {
  Transaction tx(db_.get());
  Stmt s(db_.get(), "INSERT OR REPLACE INTO tuner_checkpoints (run_id, state, updated_at) VALUES (?1, ?2, datetime('now'))");
  s.bind(1, run_id).bind(2, state.dump());
  s.step();
  tx.commit();
}

std::optional<nlohmann::json> ResultsDb::load_checkpoint(const std::string& run_id) {
  Stmt s(db_.get(), "SELECT state FROM tuner_checkpoints WHERE run_id=?1");
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  return with_context("results database: checkpoint '" + run_id + "'", [&] { return nlohmann::json::parse(s.text(0)); });
}

std::vector<Evaluation> CachedEvaluator::evaluate(const std::vector<TileConfig>& configs) {
  std::vector<Evaluation> out(configs.size());
  std::vector<size_t> missing;
  std::vector<TileConfig> todo;
  for (size_t i = 0; i < configs.size(); ++i) {
    std::optional<Evaluation> hit;
    if (!fresh_) hit = db_.find(ctx_, configs[i]);
    if (hit) {
      out[i] = std::move(*hit);
      ++hits_;
    } else {
      missing.push_back(i);
      todo.push_back(configs[i]);
    }
  }
  if (todo.empty()) return out;
  auto fresh = inner_.evaluate(todo);
  if (fresh.size() != todo.size()) throw std::logic_error("evaluator returned a different number of evaluations");
  for (size_t j = 0; j < fresh.size(); ++j) {
    db_.put(ctx_, fresh[j]);
    out[missing[j]] = std::move(fresh[j]);
    ++misses_;
  }
  return out;
}

std::vector<Evaluation> CachedEvaluator::evaluate_sources(const std::vector<Candidate>& candidates) {
  std::vector<Evaluation> out;
  if (auto* inner = dynamic_cast<SourceEvaluator*>(&inner_)) {
    out = inner->evaluate_sources(candidates);
    for (auto& e : out) db_.put(ctx_, e);  // keyed by e.source_hash (the variant's own)
    misses_ += int(out.size());
    return out;
  }
  for (auto& c : candidates) {
    Evaluation e;
    e.config = c.config;
    e.error = "this evaluator does not accept source candidates";
    out.push_back(e);
  }
  return out;
}

}  // namespace attnlab
