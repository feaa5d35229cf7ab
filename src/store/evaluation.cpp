#include "store/evaluation.hpp"

#include <climits>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/json_text.hpp"

namespace attnlab {

nlohmann::json evaluation_to_json(const Evaluation& e) {
  nlohmann::json j = {{"config", e.config.name()}, {"source_hash", e.source_hash}, {"compiled", e.compiled},
          {"registers", e.registers},  {"spill_bytes", e.spill_bytes}, {"smem_bytes", e.smem_bytes},
          {"correct", e.correct},      {"max_error", e.max_error},     {"median_us", e.median_us},
          {"tflops", e.tflops},        {"speedup_vs_cudnn", e.speedup_vs_cudnn}, {"error", e.error}};
  if (!e.gpu_uuid.empty()) j["gpu_uuid"] = e.gpu_uuid;
  return j;
}


Evaluation evaluation_from_json(const nlohmann::json& j) {
  try {
    Evaluation e;
    e.config = TileConfig::parse(j.at("config").get<std::string>());
    e.source_hash = j.value("source_hash", "");
    e.compiled = j.value("compiled", false);
    e.registers = json_int(j, "registers", -1, -1);
    e.spill_bytes = json_int(j, "spill_bytes", 0, 0);
    e.smem_bytes = json_int(j, "smem_bytes", 0, 0);
    e.correct = j.value("correct", false);
    e.max_error = json_number(j, "max_error", 0.0);
    e.median_us = json_number(j, "median_us", 0.0);
    e.tflops = json_number(j, "tflops", 0.0);
    e.speedup_vs_cudnn = json_number(j, "speedup_vs_cudnn", 0.0);
    e.error = j.value("error", "");
    e.gpu_uuid = j.value("gpu_uuid", "");
    return e;
  } catch (const nlohmann::json::exception& ex) {
    throw UserError(std::string("malformed evaluation record: ") + readable_reason(ex));
  }
}

}  // namespace attnlab
