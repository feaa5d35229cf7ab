// Opening, checking, backing up and migrating a results database file: the static members of
// ResultsDb (results_db.hpp), and the migration table. Rows are read and written in results_db.cpp.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/atomic_file.hpp"
#include "store/results_db.hpp"
#include "store/sqlite_util.hpp"

namespace fs = std::filesystem;

namespace attnlab {

using namespace store;

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

// What the file holds: -1 = no tables at all (new or empty file), else its schema version. UserError
// when it is not an attnlab results database (no schema_version table, or not SQLite at all), when it
// cannot be read (named: being written, corrupt, I/O error, ...), and for a version beyond this
// attnlab's that a damaged page rather than a newer attnlab wrote.
int attnlab_version(sqlite3* db, const std::string& path) {
  std::vector<std::string> tables;
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name", -1, &st, nullptr);
  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    if ((rc & 0xff) == SQLITE_NOTADB) throw UserError(path + ": not an attnlab results database (not an SQLite file)");
    throw UserError(path + ": cannot read it: " + cause_of(db, rc));
  }
  if (tables.empty()) return -1;
  const auto has = [&](const char* t) { return std::find(tables.begin(), tables.end(), t) != tables.end(); };
  if (!has("schema_version") || !has("evaluations")) {
    std::string list;
    for (size_t i = 0; i < tables.size() && i < 5; ++i) list += (i ? ", " : "") + printable(tables[i]);
    throw UserError(path + ": not an attnlab results database (its tables: " + list + (tables.size() > 5 ? ", ..." : "") + ")");
  }
  const int version = read_version(db);
  if (version > ResultsDb::kLatestVersion) {  // newer, or garbage from a damaged page: quick_check tells them apart
    Stmt check(db, "PRAGMA quick_check(1)");
    const std::string verdict = check.step() ? check.text(0) : "no answer";
    if (verdict != "ok")
      throw UserError(fmt::format("{}: the file is corrupt (quick_check: {}); schema version {} was read from a damaged page",
                                  path, printable(verdict).substr(0, 200), version));
  }
  return version;
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

bool nonempty_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
}

// The first 100 bytes of an SQLite file: the header (magic, page size, journal format in byte 18).
std::string header_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string h(100, '\0');
  in.read(h.data(), 100);
  h.resize(size_t(std::max<std::streamsize>(0, in.gcount())));
  return h;
}
constexpr char kMagic[] = "SQLite format 3";  // and a NUL: 16 bytes
bool has_magic(const std::string& header) { return header.size() >= 16 && header.compare(0, 16, std::string(kMagic, 16)) == 0; }

// A private folder holding copies of `path` and its -wal (open_readonly's reader without a -shm).
std::string copy_with_wal(const std::string& path) {
  std::string tmpl = (fs::temp_directory_path() / "attnlab-db-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw UserError(fmt::format("{}: cannot make a private copy to read it ({})", path, std::strerror(errno)));
  const fs::path copy = fs::path(tmpl) / "results.db";
  std::error_code ec;
  fs::copy_file(path, copy, ec);
  if (!ec) fs::copy_file(path + "-wal", copy.string() + "-wal", ec);
  if (ec) {
    fs::remove_all(tmpl, ec);
    throw UserError(fmt::format("{}: cannot make a private copy to read it ({})", path, ec.message()));
  }
  return tmpl;
}
// The database as its readers see it (-wal included) into out's temporary file, through SQLite's backup
// API. The source is a second, read-only connection: the backup cannot read from the migrating
// connection, which holds the write transaction.
void backup_through_sqlite(const std::string& path, AtomicFile& out) {
  sqlite3* src = nullptr;
  const int src_rc = sqlite3_open_v2(path.c_str(), &src, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> source(src, sqlite3_close_v2);
  if (src_rc != SQLITE_OK) throw UserError(path + ": cannot back it up: " + cause_of(src, src_rc));
  sqlite3* dst = nullptr;
  const int dst_rc = sqlite3_open_v2(out.temp_path().c_str(), &dst, SQLITE_OPEN_READWRITE, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> target(dst, sqlite3_close_v2);
  sqlite3_backup* b = dst_rc == SQLITE_OK ? sqlite3_backup_init(dst, "main", src, "main") : nullptr;
  const int brc = b ? sqlite3_backup_step(b, -1) : (dst_rc != SQLITE_OK ? dst_rc : sqlite3_errcode(dst));
  sqlite3_backup_finish(b);
  if (brc != SQLITE_DONE) throw UserError(fmt::format("{}: cannot back it up to {}.bak: {}", path, path, cause_of(dst, brc)));
}

void copy_bytes(const std::string& path, AtomicFile& out) {
  std::ifstream in(path, std::ios::binary);
  std::string buf(size_t(1) << 20, '\0');
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    out.write(std::string_view(buf.data(), size_t(in.gcount())));
  }
  if (in.bad()) throw UserError(fmt::format("{}: cannot read it to back it up", path));
}
}  // namespace

void ResultsDb::FolderRemover::operator()(std::string* dir) const {
  std::error_code ec;
  fs::remove_all(*dir, ec);
  delete dir;
}

bool ResultsDb::is_database_file(const std::string& path) { return has_magic(header_of(path)); }

ResultsDb ResultsDb::open_readonly(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw UserError(path + ": cannot open (" + std::strerror(errno) + ")");
  if (!S_ISREG(st.st_mode)) throw UserError(path + ": not a results database (not a regular file)");
  if (st.st_size == 0) throw UserError(path + ": not an attnlab results database (empty file)");
  const std::string header = header_of(path);
  if (nonempty_file(path + "-journal"))
    throw UserError(fmt::format("{}: the file is being written by another process, or its writer was interrupted ({}-journal "
                                "exists); run again when it has finished (`attnlab db migrate {}` rolls an interrupted write back)",
                                path, path, path));
  const bool wal_format = has_magic(header) && header.size() > 18 && header[18] == 2;
  std::string open_path = path, query = "mode=ro";
  std::unique_ptr<std::string, FolderRemover> copy;
  if (!has_magic(header) || (wal_format && !nonempty_file(path + "-wal"))) {
    query = "mode=ro&immutable=1";  // nothing to share with a writer: no locks, nothing created
  } else if (wal_format && !fs::exists(path + "-shm")) {
    copy.reset(new std::string(copy_with_wal(path)));  // reading here would create the -shm
    open_path = (fs::path(*copy) / "results.db").string();
  }
  // else a rollback-journal file (read under SQLite's shared lock: creates nothing), or a WAL file whose
  // writer is open (read through its -wal and -shm).
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file_uri(open_path, query).c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  ResultsDb db(raw);
  db.private_copy_ = std::move(copy);
  if (db.private_copy_) set_display_name(raw, path);
  if (rc != SQLITE_OK) throw UserError(path + ": cannot open: " + cause_of(raw, rc));
  sqlite3_busy_timeout(raw, 5000);
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
  if (rc != SQLITE_OK) throw UserError(path + ": cannot open: " + cause_of(raw, rc));
  sqlite3_busy_timeout(raw, 15000);
  const int from = attnlab_version(raw, path);
  if (from < 0) throw UserError(path + ": not an attnlab results database (no tables)");
  if (from > kLatestVersion) require_latest(from, path);
  if (from == kLatestVersion) return from;
  const std::string bak = path + ".bak";
  if (::lstat(bak.c_str(), &st) == 0) throw UserError(bak + " exists: move it away first (it may be an older backup)");
  // The write lock first: no other attnlab changes the file between the backup and the migration.
  Transaction tx(raw);
  {
    // Written to a temporary name, fsynced and renamed (io/atomic_file.hpp): killed half-way, it leaves no
    // truncated file under the backup's name.
    AtomicFile out(bak, Naming::by_attnlab);
    if (nonempty_file(path + "-wal")) backup_through_sqlite(path, out);  // committed pages may sit in the -wal
    else copy_bytes(path, out);  // the file is the whole database: byte for byte
    out.commit();
  }
  try {
    db.apply_migrations(from);
    tx.commit();
  } catch (const std::runtime_error& e) {
    throw UserError(fmt::format("{}: migration failed ({}); the file is unchanged, {} is its copy", path, e.what(), bak));
  }
  return from;
}

ResultsDb ResultsDb::open(const std::string& path) {
  const bool on_disk = path != ":memory:" && path.rfind("file:", 0) != 0;
  if (on_disk && fs::path(path).has_parent_path()) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);  // a failure shows up as CANTOPEN below
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, nullptr);
  ResultsDb db(raw);  // owns the handle even when open failed
  if (rc != SQLITE_OK) throw UserError(path + ": cannot open results database: " + cause_of(raw, rc));
  // Another process may hold the write lock for a moment (a parallel tune); wait instead of failing.
  sqlite3_busy_timeout(raw, 15000);
  // A file that is not ours, or of another version, is refused before anything is written to it.
  const int version = attnlab_version(raw, path);
  if (version >= 0) require_latest(version, path);
  // WAL: readers never block the writer and vice versa, and a crash mid-write leaves the file intact.
  if (on_disk) exec(raw, "PRAGMA journal_mode=WAL");
  if (version < 0) db.migrate();  // a new file: create the latest schema
  return db;
}

void ResultsDb::migrate() {
  sqlite3* db = db_.get();
  if (read_version(db) == kLatestVersion) return;  // the common case takes no write lock
  Transaction tx(db);
  apply_migrations(read_version(db));  // re-read under the lock: another process may have migrated
  tx.commit();
}

void ResultsDb::apply_migrations(int from) {
  sqlite3* db = db_.get();
  exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
           "applied_at TEXT NOT NULL DEFAULT (datetime('now')))");
  if (from > kLatestVersion) require_latest(from, db_name(db));
  for (const auto& m : kMigrations) {
    if (m.version <= from) continue;
    exec(db, m.sql);
    Stmt s(db, "INSERT INTO schema_version(version) VALUES (?1)");
    s.bind(1, m.version).step();
  }
}

}  // namespace attnlab
