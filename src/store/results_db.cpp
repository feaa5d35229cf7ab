#include "store/results_db.hpp"

#include <sqlite3.h>

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/json_text.hpp"
#include "store/sqlite_util.hpp"

namespace attnlab {

using namespace store;

namespace {

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
    "tflops, speedup_vs_cudnn, error, timing_json";

// The GPU that measured a row when it is not the context's own (an MPI rank): timing_json's "measured_on".
// A timing_json that is not such an object leaves it empty (it is informational; nothing ranks by it).
std::string measured_on(const std::string& timing_json) {
  const auto j = nlohmann::json::parse(timing_json, nullptr, false);
  if (!j.is_object() || !j.contains("measured_on") || !j["measured_on"].is_string()) return "";
  return j["measured_on"].get<std::string>();
}

// Column c as a number: stored as INTEGER or REAL and finite; text ('abc'), a blob or Inf is refused
// (SQLite would read text as 0 and keep Inf, and a replay would rank by it).
double number(Stmt& s, int c, const char* column) {
  const int t = s.type(c);
  if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || !std::isfinite(s.real(c)))
    throw UserError(fmt::format("{} {} is not a finite number", column, quote_for_message(s.text(c))));
  return s.real(c);
}
int whole(Stmt& s, int c, const char* column) { return int(integer_value(number(s, c, column), column, INT32_MIN, INT32_MAX)); }

Evaluation read_eval(Stmt& s) {
  Evaluation e;
  const std::string name = s.text(0);
  with_context(fmt::format("{}results database row with config {}", file_prefix(s.db()), quote_for_message(name)), [&] {
    e.config = TileConfig::parse(name);
    e.source_hash = s.text(1);
    e.compiled = whole(s, 2, "compiled") != 0;
    e.registers = whole(s, 3, "registers");
    e.spill_bytes = whole(s, 4, "spill_bytes");
    e.smem_bytes = whole(s, 5, "smem_bytes");
    e.correct = whole(s, 6, "correct") != 0;
    e.max_error = number(s, 7, "max_error");
    e.median_us = number(s, 8, "median_us");
    e.tflops = number(s, 9, "tflops");
    e.speedup_vs_cudnn = number(s, 10, "speedup_vs_cudnn");
    e.error = s.text(11);
    e.gpu_uuid = measured_on(s.text(12));
  });
  return e;
}

}  // namespace

void ResultsDb::Closer::operator()(sqlite3* db) const {
  forget_display_name(db);
  sqlite3_close_v2(db);
}

ResultsDb::ResultsDb(ResultsDb&&) noexcept = default;
ResultsDb& ResultsDb::operator=(ResultsDb&&) noexcept = default;
ResultsDb::~ResultsDb() = default;

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

std::string ResultsDb::measured_on_json(const Evaluation& e) {
  return e.gpu_uuid.empty() ? "{}" : json_text(nlohmann::json{{"measured_on", e.gpu_uuid}});
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
  s.bind(8, json_text(metrics));
  s.step();
  if (sqlite3_changes(db_.get()) == 0)
    throw UserError("no stored evaluation of " + config.name() + " to attach profile metrics to");
  tx.commit();
}

std::optional<nlohmann::json> ResultsDb::profile_metrics(const EvalContext& ctx, const TileConfig& config) {
  Stmt s(db_.get(), (std::string("SELECT profile_metrics FROM evaluations WHERE ") + kKeyWhere).c_str());
  bind_key(s, ctx, ctx.source_hash, config);
  if (!s.step() || s.is_null(0)) return std::nullopt;
  return parse_json_text(s.text(0), db_name(db_.get()) + ": profile metrics of " + config.name());
}

void ResultsDb::put_profile(const EvalContext& ctx, const ProfileRecord& r) {
  Transaction tx(db_.get());
  Stmt s(db_.get(),
         "INSERT OR REPLACE INTO profiles (arch, gpu_uuid, driver, shape, dtype, source_hash, backend, config, kernel, "
         "metric_set, metrics, verdict) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  bind_ctx(s, ctx);
  s.bind(7, r.backend).bind(8, r.config).bind(9, r.kernel).bind(10, r.metric_set);
  s.bind(11, json_text(r.metrics)).bind(12, json_text(r.verdict));
  s.step();
  tx.commit();
}

std::vector<ProfileRecord> ResultsDb::profiles(const EvalContext& ctx) {
  Stmt s(db_.get(), (std::string("SELECT backend, config, kernel, metric_set, metrics, verdict FROM profiles WHERE ") +
                     kCtxMatch + " ORDER BY id").c_str());
  bind_ctx(s, ctx);
  std::vector<ProfileRecord> out;
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), parse_json_text(s.text(4), db_name(db_.get()) + ": profile metrics"),
                   parse_json_text(s.text(5), db_name(db_.get()) + ": profile verdict")});
  return out;
}

std::string shape_key(const AttnProblem& p) {
  return fmt::format("B{} H{}/{} Sq{} Sk{} d{}{}", p.batch, p.heads, p.heads_k, p.seqlen_q, p.seqlen_k, p.head_dim,
                     p.causal ? " causal" : "");
}

void ResultsDb::save_checkpoint(const std::string& run_id, const nlohmann::json& state) {
  Transaction tx(db_.get());
  Stmt s(db_.get(), "INSERT OR REPLACE INTO tuner_checkpoints (run_id, state, updated_at) VALUES (?1, ?2, datetime('now'))");
  s.bind(1, run_id).bind(2, json_text(state));
  s.step();
  tx.commit();
}

std::optional<nlohmann::json> ResultsDb::load_checkpoint(const std::string& run_id) {
  Stmt s(db_.get(), "SELECT state FROM tuner_checkpoints WHERE run_id=?1");
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  return parse_json_text(s.text(0), fmt::format("{}: checkpoint {}", db_name(db_.get()), quote_for_message(run_id)));
}

}  // namespace attnlab
