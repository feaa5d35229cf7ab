#include "evidence/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "evidence/manifest.hpp"
#include "evidence/process.hpp"
#include "evidence/progress.hpp"
#include "runtime/device.hpp"

namespace attnlab {

namespace fs = std::filesystem;

namespace {
std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// The last non-empty line of a log (what the step is doing now), without control characters.
std::string last_line(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - 512);
  in.seekg(from);
  std::string tail(static_cast<size_t>(size - from), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r' || tail.back() == ' ')) tail.pop_back();
  const auto nl = tail.find_last_of("\r\n");
  std::string line = nl == std::string::npos ? tail : tail.substr(nl + 1);
  std::erase_if(line, [](char c) { return static_cast<unsigned char>(c) < 32; });
  return line;
}

bool devices_found_gpu(const std::string& devices_txt) {
  std::ifstream in(devices_txt);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("device 0:", 0) == 0) return true;
  return false;
}

struct Runner {
  EvidenceOptions& o;
  Manifest& manifest;
  Progress& progress;
  int failures = 0;
  std::vector<std::string> skipped;

  void run(const Step& s, int index, int total, double after_s) {
    if (o.resume && manifest.complete(s.name, o.out)) {
      progress.note(fmt::format("[{}/{}] {}: done in an earlier run (manifest), skipped", index, total, s.name));
      return;
    }
    const StepPlan plan = s.plan(o);
    StepRecord rec;
    rec.name = s.name;
    rec.finished_utc = utc_now();
    if (!plan.skip.empty()) {
      rec.skipped = plan.skip;
      manifest.record(rec, o.out);
      manifest.save(o.out);
      skipped.push_back(s.name + ": " + plan.skip);
      progress.note(fmt::format("[{}/{}] {}: skipped ({})", index, total, s.name, plan.skip));
      return;
    }
    std::vector<std::string> argv{o.attnlab};
    argv.insert(argv.end(), plan.args.begin(), plan.args.end());
    rec.command = quote_command(argv);
    rec.outputs = s.outputs;
    const std::string out_rel = s.stdout_file.empty() ? "logs/" + s.name + ".log" : s.stdout_file;
    const fs::path out_path = fs::path(o.out) / out_rel;
    fs::create_directories(out_path.parent_path());
    for (auto& p : s.outputs)  // a step's folder outputs exist before it runs (--out-dir)
      if (fs::path(p).extension().empty()) fs::create_directories(fs::path(o.out) / p);
    fs::remove(out_path);
    std::ofstream(out_path) << "$ " << rec.command << "\n";
    progress.begin(index, total, s.name, s.expected_s, after_s);
    const auto r = run_process(argv, out_path.string(), out_path.string(), [&] { progress.update(last_line(out_path.string())); });
    rec.exit_code = r.exit_code;
    rec.seconds = r.seconds;
    rec.finished_utc = utc_now();
    if (std::find(rec.outputs.begin(), rec.outputs.end(), out_rel) == rec.outputs.end()) rec.outputs.push_back(out_rel);
    std::erase_if(rec.outputs, [&](const std::string& p) { return !fs::exists(fs::path(o.out) / p); });
    manifest.record(rec, o.out);
    manifest.save(o.out);
    if (r.exit_code == 0) {
      progress.end(fmt::format("ok in {}", format_duration(r.seconds)));
    } else {
      ++failures;
      progress.end(fmt::format("FAILED (exit {}) after {}; output: {}", r.exit_code, format_duration(r.seconds),
                               out_path.string()));
      const std::string tail = last_line(out_path.string());
      if (!tail.empty()) progress.note("    " + tail);
    }
  }
};
}  // namespace

std::string default_evidence_dir() {
  const auto d = query_device();
  if (!d) return "out/evidence-cpu";
  std::string name = d->name;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::smatch m;
  if (std::regex_search(name, m, std::regex("\\b([a-z]{1,2}[0-9]{2,4}[a-z]?)\\b"))) return "evidence/" + m[1].str();
  return "evidence/gpu";
}

int run_evidence(EvidenceOptions o) {
  if (o.attnlab.empty()) o.attnlab = self_executable();
  if (o.out.empty()) o.out = default_evidence_dir();
  fs::create_directories(o.out);
  setenv("ATTNLAB_LINE_BUFFERED", "1", 1);  // children flush each line: the progress shows what they do now
  Manifest manifest = o.resume ? Manifest::load(o.out) : Manifest{};
  Progress progress(stdout);
  Runner runner{o, manifest, progress, 0, {}};
  const auto t0 = std::chrono::steady_clock::now();
  progress.note(fmt::format("attnlab evidence{}{} -> {}", o.quick ? " --quick" : "", o.resume ? " --resume" : "", o.out));

  const Step dev = devices_step();
  runner.run(dev, 1, 1, 0);
  o.has_gpu = devices_found_gpu((fs::path(o.out) / "devices.txt").string());
  const std::string help_log = (fs::path(o.out) / "logs" / "profile-help.log").string();
  fs::create_directories(fs::path(help_log).parent_path());
  o.has_profile = run_process({o.attnlab, "profile", "--help"}, help_log, help_log).exit_code == 0;
  fs::remove(help_log);

  const auto steps = o.has_gpu ? gpu_steps(o) : cpu_steps(o);
  if (!o.has_gpu)
    progress.note("no CUDA device: skipping ceilings, check, micro, tune, replay, compare, profile (they time kernels on "
                  "a GPU); running the CPU side: static compile of every config, and the report of " + o.committed);
  for (size_t i = 0; i < steps.size(); ++i) {
    double after = 0;
    for (size_t k = i + 1; k < steps.size(); ++k) after += steps[k].expected_s;
    runner.run(steps[i], static_cast<int>(i + 1), static_cast<int>(steps.size()), after);
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.note(fmt::format("attnlab evidence: {} in {}; manifest {}", runner.failures ? "FAILED steps" : "done",
                            format_duration(total), (fs::path(o.out) / "manifest.json").string()));
  if (!o.has_gpu) progress.note("skipped (no CUDA device): ceilings, check, micro, tune, replay, compare, profile");
  for (auto& s : runner.skipped) progress.note("skipped " + s);
  if (fs::exists(fs::path(o.out) / "report.html")) progress.note("report: " + (fs::path(o.out) / "report.html").string());
  return runner.failures ? 1 : 0;
}

}  // namespace attnlab
