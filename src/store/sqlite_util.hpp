#pragma once
// Internals of the results store (results_db.cpp: rows; db_file.cpp: opening, checking, migrating):
// statements, transactions, and SQLite failures as one-line UserErrors that name the file and say the
// cause in words ("is being written by another process", "is corrupt", "the disk is full"), never a
// bare "sqlite: database is locked".
#include <sqlite3.h>

#include <string>

namespace attnlab::store {

// The database's main file, or "results database" for an in-memory one; a connection to a private copy
// (ResultsDb::open_readonly) is named after the file it copies (set_display_name, cleared by forget).
std::string db_name(sqlite3* db);
void set_display_name(sqlite3* db, const std::string& path);
void forget_display_name(sqlite3* db);
// "<file>: " for a message about the database's content, "" for an in-memory one.
std::string file_prefix(sqlite3* db);
// The cause of failure `rc` on `db` in words, with SQLite's own message when it adds something.
std::string cause_of(sqlite3* db, int rc);
// UserError "<file>: <cause> (<what>)".
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what);

void exec(sqlite3* db, const char* sql);

// A prepared statement, finalized on scope exit; bind() indices are 1-based, column() 0-based.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql);
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, const std::string& v);
  Stmt& bind(int i, int v);
  Stmt& bind(int i, bool v) { return bind(i, v ? 1 : 0); }
  Stmt& bind(int i, double v);
  bool step();  // true while there is a row to read
  bool is_null(int c) { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  int type(int c) { return sqlite3_column_type(s_, c); }
  int integer(int c) { return sqlite3_column_int(s_, c); }
  double real(int c) { return sqlite3_column_double(s_, c); }
  std::string text(int c);
  sqlite3* db() const { return db_; }

 private:
  Stmt& check(int rc);
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

// MAX(version) of schema_version, 0 without that table.
int read_version(sqlite3* db);

}  // namespace attnlab::store
