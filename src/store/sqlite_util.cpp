#include "store/sqlite_util.hpp"

#include <cstring>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "core/error.hpp"

namespace attnlab::store {

namespace {
std::mutex names_mutex;
std::map<sqlite3*, std::string>& display_names() {
  static std::map<sqlite3*, std::string> m;
  return m;
}
}  // namespace

void set_display_name(sqlite3* db, const std::string& path) {
  std::lock_guard lk(names_mutex);
  display_names()[db] = path;
}

void forget_display_name(sqlite3* db) {
  std::lock_guard lk(names_mutex);
  display_names().erase(db);
}

std::string db_name(sqlite3* db) {
  {
    std::lock_guard lk(names_mutex);
    if (auto it = display_names().find(db); it != display_names().end()) return it->second;
  }
  const char* f = db ? sqlite3_db_filename(db, "main") : nullptr;
  return f && *f ? std::string(f) : std::string("results database");
}

std::string file_prefix(sqlite3* db) {
  const std::string name = db_name(db);
  return name == "results database" ? std::string() : name + ": ";
}

std::string cause_of(sqlite3* db, int rc) {
  const std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
  const int sys = db ? sqlite3_system_errno(db) : 0;
  const std::string os = sys ? fmt::format(", {}", std::strerror(sys)) : "";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return "the file is being written by another process (" + msg + "); run again when it has finished";
    case SQLITE_CORRUPT: return "the file is corrupt (" + msg + ")";
    case SQLITE_NOTADB: return "not an attnlab results database (not an SQLite file)";
    case SQLITE_FULL: return "the disk is full (" + msg + ")";
    case SQLITE_READONLY: return "the file or its folder is read-only (" + msg + ")";
    case SQLITE_PERM: return "permission denied (" + msg + os + ")";
    case SQLITE_IOERR: return "input/output error (" + msg + os + ")";
    case SQLITE_CANTOPEN: return "cannot open (" + msg + os + ")";
    case SQLITE_NOMEM: return "out of memory";
    default: return msg;
  }
}

void fail(sqlite3* db, int rc, const std::string& what) {
  throw UserError(fmt::format("{}: {} ({})", db_name(db), cause_of(db, rc), what));
}

void exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
  sqlite3_free(msg);
  if (rc != SQLITE_OK) fail(db, rc, std::string(sql).substr(0, 40));
}

Stmt::Stmt(sqlite3* db, const char* sql) : db_(db) {
  if (const int rc = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); rc != SQLITE_OK) fail(db, rc, "reading the schema");
}

Stmt& Stmt::bind(int i, const std::string& v) {
  return check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
}
Stmt& Stmt::bind(int i, int v) { return check(sqlite3_bind_int(s_, i, v)); }
Stmt& Stmt::bind(int i, double v) { return check(sqlite3_bind_double(s_, i, v)); }

bool Stmt::step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, sqlite3_stmt_readonly(s_) ? "reading" : "writing");
}

std::string Stmt::text(int c) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, c))) : std::string();
}

Stmt& Stmt::check(int rc) {
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

int read_version(sqlite3* db) {
  Stmt has(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'");
  if (!has.step()) return 0;
  Stmt v(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
  v.step();
  return v.integer(0);
}

}  // namespace attnlab::store
