#include "evidence/manifest.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "core/parse.hpp"
#include "evidence/sha256.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"

namespace attnlab {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr const char* kFile = "manifest.json";

std::vector<std::string> files_under(const std::string& dir, const std::string& rel) {
  std::vector<std::string> out;
  const fs::path p = fs::path(dir) / rel;
  if (fs::is_regular_file(p)) out.push_back(rel);
  else if (fs::is_directory(p))
    for (auto& it : fs::recursive_directory_iterator(p))
      if (it.is_regular_file()) out.push_back(fs::relative(it.path(), dir).generic_string());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

Manifest Manifest::load(const std::string& dir) {
  Manifest m;
  const fs::path p = fs::path(dir) / kFile;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(p, ec))) return m;
  // Named in every message: "evidence/h100/manifest.json: ..." (a corrupt manifest on --resume).
  with_context(p.string(), [&] {
    const json j = read_json_file(p.string(), size_t(64) << 20);
    // Numbers checked before they become integers (an edited manifest may say 1e300).
    const auto whole = [](const json& o, const char* key, int64_t lo, int64_t hi) {
      return o.contains(key) ? integer_value(o.at(key).get<double>(), key, lo, hi) : 0;
    };
    for (auto& s : j.at("steps"))
      m.steps_.push_back({s.at("name"), s.value("command", ""), int(whole(s, "exit_code", -1, 255)), s.value("seconds", 0.0),
                          s.value("finished_utc", ""), s.value("outputs", std::vector<std::string>{}), s.value("skipped", ""),
                          s.value("unfinished", false)});
    for (auto& f : j.at("files"))
      m.files_.push_back({f.at("path"), f.value("sha256", ""), f.value("step", ""), f.value("command", ""),
                          uintmax_t(whole(f, "bytes", 0, INT64_MAX))});
  });
  return m;
}

void Manifest::save(const std::string& dir) const {
  json steps = json::array(), files = json::array();
  for (auto& s : steps_) {
    json j = {{"name", s.name}, {"command", s.command}, {"exit_code", s.exit_code}, {"seconds", s.seconds},
              {"finished_utc", s.finished_utc}, {"outputs", s.outputs}};
    if (!s.skipped.empty()) j["skipped"] = s.skipped;
    if (s.unfinished) j["unfinished"] = true;
    steps.push_back(j);
  }
  for (auto& f : files_)
    files.push_back({{"path", f.path}, {"sha256", f.sha256}, {"bytes", f.bytes}, {"step", f.step}, {"command", f.command}});
  const json j = {{"schema", "attnlab.manifest/1"}, {"attnlab", ATTNLAB_VERSION}, {"steps", steps}, {"files", files}};
  // Whole or not at all, never through a planted link; a non-UTF-8 command line cannot make it throw.
  write_file_atomic((fs::path(dir) / kFile).string(), json_text(j, 1) + "\n", Naming::by_attnlab);
}

void Manifest::record(const StepRecord& s, const std::string& dir) {
  std::erase_if(steps_, [&](const StepRecord& r) { return r.name == s.name; });
  std::erase_if(files_, [&](const FileRecord& f) { return f.step == s.name; });
  steps_.push_back(s);
  if (!s.skipped.empty()) return;
  for (auto& out : s.outputs)
    for (auto& rel : files_under(dir, out)) {
      std::erase_if(files_, [&](const FileRecord& f) { return f.path == rel; });
      const std::string p = (fs::path(dir) / rel).string();
      files_.push_back({rel, sha256_file(p), s.name, s.command, fs::file_size(p)});
    }
}

bool Manifest::complete(const std::string& name, const std::string& dir) const {
  auto it = std::find_if(steps_.begin(), steps_.end(), [&](const StepRecord& r) { return r.name == name; });
  if (it == steps_.end() || it->exit_code != 0 || !it->skipped.empty() || it->unfinished) return false;
  for (auto& out : it->outputs)
    if (!fs::exists(fs::path(dir) / out)) return false;
  for (auto& f : files_) {
    if (f.step != name) continue;
    const fs::path p = fs::path(dir) / f.path;
    std::error_code ec;
    if (!fs::is_regular_file(p) || fs::file_size(p, ec) != f.bytes || sha256_file(p.string()) != f.sha256) return false;
  }
  return true;
}

}  // namespace attnlab
