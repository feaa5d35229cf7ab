#include "search/proposer.hpp"

#include <filesystem>
#include <stdexcept>
#include <unordered_set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "core/process.hpp"
#include "io/json_text.hpp"
#include "io/regular_file.hpp"

namespace attnlab {

namespace {

std::string excerpt(const std::string& s, size_t max = 800) {
  // The proposer's stderr goes into a one-line message on the user's terminal: control bytes (escape
  // sequences, newlines) are shown as '?'.
  std::string t = s.size() > max ? "..." + s.substr(s.size() - max) : s;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t.empty() ? "(no stderr)" : printable(t);
}

}  // namespace

nlohmann::json proposer_request(const SearchSpace& space, const History& history, int generation, int want,
                                uint64_t seed) {
  nlohmann::json hist = nlohmann::json::array();
  for (auto& t : history.trials()) {
    const auto& e = t.eval;
    hist.push_back({{"generation", t.generation}, {"config", e.config.name()},      {"source_file", t.source_file},
                    {"compiled", e.compiled},     {"correct", e.correct},           {"tflops", fitness(e)},
                    {"median_us", e.median_us},   {"max_error", e.max_error},       {"error", e.error},
                    {"registers", e.registers},   {"spill_bytes", e.spill_bytes},   {"smem_bytes", e.smem_bytes}});
  }
  nlohmann::json valid = nlohmann::json::array();
  for (auto& c : space.all_valid()) valid.push_back(c.name());
  return {{"schema", kProposerSchema}, {"generation", generation}, {"want", want},
          {"seed", seed},              {"head_dim", space.head_dim()}, {"arch", space.limits().arch},
          {"space", space.knobs_json()}, {"valid_configs", valid},  {"history", hist}};
}

std::vector<RawCandidate> parse_proposer_response(const std::string& text) {
  nlohmann::json j;
  try {
    j = parse_json_text(text, "proposer answer");
  } catch (const UserError& e) {
    throw UserError(fmt::format("proposer answered malformed JSON ({}): {}", e.what(), excerpt(text, 200)));
  }
  if (!j.is_object() || !j.contains("candidates") || !j["candidates"].is_array())
    throw UserError("proposer response has no \"candidates\" array: " + excerpt(text, 200));
  std::vector<RawCandidate> out;
  for (size_t i = 0; i < j["candidates"].size(); ++i) {
    const auto& c = j["candidates"][i];
    RawCandidate rc;
    auto str = [&](const char* key, bool required) -> std::string {
      if (!c.contains(key)) {
        if (required && rc.error.empty()) rc.error = fmt::format("candidate #{} has no \"{}\"", i, key);
        return {};
      }
      if (!c[key].is_string()) {
        if (rc.error.empty()) rc.error = fmt::format("candidate #{}: \"{}\" is not a string", i, key);
        return {};
      }
      return c[key].get<std::string>();
    };
    if (!c.is_object()) {
      rc.config = fmt::format("#{}", i);
      rc.error = fmt::format("candidate #{} is not an object", i);
    } else {
      rc.config = str("config", true);
      rc.source_file = str("source_file", false);
      rc.note = str("note", false);
      if (rc.config.empty()) rc.config = fmt::format("#{}", i);
    }
    out.push_back(std::move(rc));
  }
  return out;
}

ProposerStrategy::ProposerStrategy(const SearchSpace& space, ProposerOptions opt) : space_(space), opt_(std::move(opt)) {
  if (opt_.command.empty()) throw UserError("--proposer needs a command");
  if (opt_.timeout_s <= 0) throw UserError("proposer timeout must be positive");
}

std::vector<Candidate> ProposerStrategy::propose(const History& history, int max, Rng& rng) {
  rejections_.clear();
  repairs_.clear();
  const int generation = history.size() ? history.trials().back().generation + 1 : 0;
  // The proposer's own randomness can come from here, which makes it reproducible from --seed.
  const uint64_t seed = rng();
  // The history may hold any bytes (an error text, a note): sent as valid UTF-8, never an exception.
  const auto request = json_text(proposer_request(space_, history, generation, max, seed));
  ProcessResult r;
  try {
    ProcessOptions po;
    po.stdin_data = request;
    po.timeout_s = opt_.timeout_s;
    r = run_shell(opt_.command, po);
  } catch (const std::runtime_error& e) {
    throw UserError(fmt::format("cannot run proposer '{}': {}", opt_.command, e.what()));
  }
  if (r.timed_out)
    throw UserError(fmt::format("proposer '{}' timed out after {} s: {}", opt_.command, opt_.timeout_s, excerpt(r.err)));
  if (r.exit_code != 0)
    throw UserError(fmt::format("proposer '{}' exited with status {}: {}", opt_.command, r.exit_code, excerpt(r.err)));
  if (r.out_dropped)
    throw UserError(fmt::format("proposer '{}' wrote more than {} MiB to stdout ({} bytes left out): not an answer",
                                opt_.command, ProcessOptions{}.max_capture >> 20, r.out_dropped));
  std::vector<RawCandidate> raw;
  try {
    raw = parse_proposer_response(r.out);
  } catch (const UserError& e) {
    throw UserError(fmt::format("proposer '{}': {} (stderr: {})", opt_.command, e.what(), excerpt(r.err, 300)));
  }

  std::vector<Candidate> out;
  std::unordered_set<std::string> keys;
  for (auto& rc : raw) {
    // The proposer's text is quoted with control bytes replaced: it is printed on the user's terminal.
    auto reject = [&](const std::string& why) { rejections_.push_back(printable(quote_for_message(rc.config) + ": " + why)); };
    if (!rc.error.empty()) {
      reject(rc.error);
      continue;
    }
    Candidate c;
    c.note = rc.note;
    try {  // any parse failure (a number out of range too) rejects this candidate, never the tune
      c.config = with_context("config", [&] { return TileConfig::parse(rc.config); });
    } catch (const UserError& e) {
      reject(e.what());
      continue;
    }
    if (!rc.source_file.empty()) {
      if (auto why = regular_file_problem(rc.source_file); !why.empty()) {
        reject("source file " + quote_for_message(rc.source_file) + " " + why);
        continue;
      }
      // Absolute: the evaluator may run elsewhere (another directory, a child process).
      c.source_file = std::filesystem::absolute(rc.source_file).lexically_normal().string();
    }
    if (auto why = space_.why_invalid(c.config); !why.empty()) {
      if (!opt_.repair_invalid) {
        reject(why);
        continue;
      }
      c.config = space_.repair(c.config);
      c.note = fmt::format("repaired from {} ({})", rc.config, why);
      repairs_.push_back(printable(quote_for_message(rc.config) + " -> " + c.config.name() + ": " + why));
    }
    if (history.contains(c)) {
      reject(c.config.name() + " already evaluated");
      continue;
    }
    if (!keys.insert(c.key()).second) {
      reject("proposed twice");
      continue;
    }
    if (static_cast<int>(out.size()) >= max) {
      reject(fmt::format("more candidates than the {} asked for", max));
      continue;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace attnlab
