#pragma once
// External proposer hook (--proposer CMD): each generation CMD gets the history as JSON on stdin and
// answers candidates on stdout — configs, or kernel-source variants with a config. Protocol:
// docs/proposer-protocol.md. Whatever it answers is validated here (parse, space constraints, no
// repeats) and then goes through the Tuner to the same Evaluator as every other candidate: a proposer
// can suggest, never measure, and never skip the gate.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "search/strategies/strategy.hpp"

namespace attnlab {

inline constexpr const char* kProposerSchema = "attnlab.proposer/1";

struct ProposerOptions {
  std::string command;         // run as /bin/sh -c COMMAND in the current directory
  double timeout_s = 300;      // per generation; on expiry its process tree is killed
  bool repair_invalid = true;  // an invalid config is repaired to the nearest valid one (else rejected)
};

// The request of one generation (schema attnlab.proposer/1).
nlohmann::json proposer_request(const SearchSpace& space, const History& history, int generation, int want,
                                uint64_t seed);
// A raw candidate as the proposer wrote it, before validation.
struct RawCandidate {
  std::string config, source_file, note;
  std::string error;  // non-empty: this entry is malformed (not an object, "config" not a string, ...)
};
// UserError when `stdout_text` is not a JSON object with a "candidates" array. An entry of the array
// that is not an object with a string "config" (and optionally string "source_file" / "note") comes
// back with `error` set: the strategy rejects it, with that reason, and the tune goes on.
std::vector<RawCandidate> parse_proposer_response(const std::string& stdout_text);

class ProposerStrategy final : public Strategy {
 public:
  ProposerStrategy(const SearchSpace& space, ProposerOptions opt);
  std::string name() const override { return "proposer"; }
  // Runs the command once. UserError on a timeout, a non-zero exit or a malformed response (with an
  // excerpt of the command's stderr). Candidates are validated: unparsable config, missing source file,
  // already evaluated, repeated or beyond `max` -> rejected; invalid config -> repaired (or rejected).
  // The generation number sent is one past the last one in `history`, so a resumed tune sends the same
  // requests; a proposer that keeps no state of its own therefore resumes exactly.
  std::vector<Candidate> propose(const History& history, int max, Rng& rng) override;
  // "<config>: <reason>" for each candidate of the last generation that was not accepted as given.
  const std::vector<std::string>& rejections() const override { return rejections_; }
  const std::vector<std::string>& repairs() const { return repairs_; }

 private:
  const SearchSpace& space_;
  ProposerOptions opt_;
  std::vector<std::string> rejections_, repairs_;
};

}  // namespace attnlab
