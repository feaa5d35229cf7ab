#pragma once
// The one JSON form of each record (core/records.hpp), written and read by the same pair of functions
// wherever it crosses a file or a process: bench/compare/micro results (schema attnlab.result/1), the check
// matrix (check.json rows), the report's readers, the eval worker and the torch peer's results.
// Readers throw UserError naming the field; they accept the older forms attnlab wrote (noted per function).
#include <nlohmann/json.hpp>

#include "core/records.hpp"

namespace attnlab {

nlohmann::json to_json(const AttnProblem& p);
AttnProblem problem_from_json(const nlohmann::json& j);

// Flat: config, the problem's fields, seed, reference, errors, deterministic, pass, error (check.json rows;
// inside a result the same object). Without problem fields (results before 2026-12-04) `parent` is used.
nlohmann::json to_json(const CheckResult& r);
CheckResult check_result_from_json(const nlohmann::json& j, const AttnProblem* parent = nullptr);

nlohmann::json to_json(const Measurement& m, bool raw_samples = true);
Measurement measurement_from_json(const nlohmann::json& j);

// Older files list the checked samples ("checked": [...]) instead of counting them.
nlohmann::json to_json(const TimedVerifyReport& v);
TimedVerifyReport verify_report_from_json(const nlohmann::json& j);

nlohmann::json to_json(const EvalResult& r);
EvalResult eval_result_from_json(const nlohmann::json& j);  // also checks that tflops is finite

}  // namespace attnlab
