#include "evidence/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>

#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "core/process.hpp"
#include "core/termination.hpp"
#include "evidence/manifest.hpp"
#include "evidence/process.hpp"
#include "evidence/progress.hpp"
#include "io/atomic_file.hpp"
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

// The GPU named by `attnlab devices` output ("device 0: NVIDIA H100 80GB HBM3"); empty: none.
std::string gpu_in_devices_text(const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("device 0: ", 0) == 0) return line.substr(10);
  return {};
}

std::string gpu_of_folder(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "devices.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  return gpu_in_devices_text(ss.str());
}

// `inner` is `outer` or a folder inside it (by path, through links, or by inode for an existing outer).
bool is_inside(const std::string& inner, const std::string& outer) {
  std::error_code ec;
  const fs::path o = fs::weakly_canonical(fs::absolute(outer), ec);
  if (ec) return false;
  for (fs::path p = fs::weakly_canonical(fs::absolute(inner), ec); !ec && !p.empty(); p = p.parent_path()) {
    std::error_code e2;
    if (p == o || (fs::exists(p, e2) && fs::exists(o, e2) && fs::equivalent(p, o, e2))) return true;
    if (p == p.parent_path()) break;
  }
  return false;
}

// Checks of the whole invocation, before anything is written: a --committed that is not there, and an
// --out whose evidence this machine would overwrite with its own "no CUDA device" (or another GPU's)
// devices.txt, env.json and report. UserError (exit 2) with one line.
void check_evidence_folders(const EvidenceOptions& o) {
  std::error_code ec;
  if (o.committed_given && !fs::is_directory(o.committed, ec))
    throw UserError(fmt::format("--committed {}: not an evidence folder ({}); name the folder to render without a GPU",
                                quote_for_message(o.committed), ec ? ec.message() : "No such directory"));
  ProcessOptions po;
  po.timeout_s = 120;
  const std::string here = gpu_in_devices_text(run_process({o.attnlab, "devices"}, po).out);
  if (here.empty() && is_inside(o.out, o.committed))
    throw UserError(fmt::format("--out {} is the committed evidence {} (or inside it): without a GPU attnlab evidence "
                                "would replace its devices.txt, env.json and report; choose another --out",
                                quote_for_message(o.out), quote_for_message(o.committed)));
  if (const std::string there = gpu_of_folder(o.out); !there.empty() && there != here)
    throw UserError(fmt::format("--out {} holds evidence measured on {} (devices.txt); this machine has {}: its files "
                                "would replace that GPU's identity; choose another --out",
                                quote_for_message(o.out), quote_for_message(there),
                                here.empty() ? "no CUDA device" : quote_for_message(here)));
}

struct Runner {
  EvidenceOptions& o;
  Manifest& manifest;
  Progress& progress;
  int failures = 0;
  std::vector<std::string> skipped;

  int stopped_by = 0;  // the termination signal that ended the run (core/termination.hpp)

  void run(const Step& s, int index, int total, double after_s) {
    if (stopped_by) return;
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
    // Every name of the step is attnlab's: a link planted at one (DIR/env.json -> ../victim, DIR/tune ->
    // /elsewhere) is removed first, so the step writes into the folder and nowhere else.
    for (const auto& rel : [&] { auto v = s.outputs; v.push_back(out_rel); return v; }())
      for (auto& link : remove_planted_links(o.out, rel)) progress.note("removed symbolic link " + link + " (not followed)");
    fs::create_directories(out_path.parent_path());
    for (auto& p : s.outputs)  // a step's folder outputs exist before it runs (--out-dir)
      if (fs::path(p).extension().empty()) fs::create_directories(fs::path(o.out) / p);
    LogFile log(out_path.string(), /*fresh=*/true);
    log.write("$ " + rec.command + "\n");
    progress.begin(index, total, s.name, s.expected_s, after_s);
    ProcessOptions po;
    po.output_fd = log.fd();
    po.tick = [&] { progress.update(last_line(out_path.string())); };
    const ProcessResult r = run_process(argv, po);
    log.close();
    rec.exit_code = r.exit_code;
    rec.seconds = r.wall_s;
    rec.finished_utc = utc_now();
    rec.unfinished = r.interrupted != 0;
    if (std::find(rec.outputs.begin(), rec.outputs.end(), out_rel) == rec.outputs.end()) rec.outputs.push_back(out_rel);
    std::erase_if(rec.outputs, [&](const std::string& p) { return !fs::exists(fs::path(o.out) / p); });
    manifest.record(rec, o.out);
    manifest.save(o.out);
    if (r.interrupted) {
      stopped_by = r.interrupted;
      ++failures;
      progress.end(fmt::format("STOPPED by signal {} after {}: passed on to the step, which is marked unfinished in "
                               "manifest.json", r.interrupted, format_duration(r.wall_s)));
    } else if (r.exit_code == 0) {
      progress.end(fmt::format("ok in {}", format_duration(r.wall_s)));
    } else {
      ++failures;
      progress.end(fmt::format("FAILED (exit {}) after {}; output: {}", r.exit_code, format_duration(r.wall_s),
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
  check_evidence_folders(o);
  catch_termination_signals();  // SIGTERM/SIGINT: passed on to the running step, which is marked unfinished
  fs::create_directories(o.out);
  setenv("ATTNLAB_LINE_BUFFERED", "1", 1);  // children flush each line: the progress shows what they do now
  Manifest manifest = o.resume ? Manifest::load(o.out) : Manifest{};
  Progress progress(stdout);
  Runner runner{o, manifest, progress, 0, {}};
  const auto t0 = std::chrono::steady_clock::now();
  progress.note(fmt::format("attnlab evidence{}{} -> {}", o.quick ? " --quick" : "", o.resume ? " --resume" : "", o.out));

  const Step dev = devices_step();
  runner.run(dev, 1, 1, 0);
  o.has_gpu = !gpu_of_folder(o.out).empty();
  o.has_profile = run_process({o.attnlab, "profile", "--help"}).exit_code == 0;

  const auto steps = o.has_gpu ? gpu_steps(o) : cpu_steps(o);
  if (!o.has_gpu)
    progress.note("no CUDA device: skipping ceilings, check, micro, tune, replay, compare, profile (they time kernels on "
                  "a GPU); running the CPU side: static compile of every config, and the report of " + o.committed);
  for (size_t i = 0; i < steps.size(); ++i) {
    double after = 0;
    for (size_t k = i + 1; k < steps.size(); ++k) after += steps[k].expected_s;
    runner.run(steps[i], static_cast<int>(i + 1), static_cast<int>(steps.size()), after);
  }
  if (runner.stopped_by) {
    progress.note(fmt::format("attnlab evidence: stopped by signal {}; manifest {}", runner.stopped_by,
                              (fs::path(o.out) / "manifest.json").string()));
    return 128 + runner.stopped_by;
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
