#include "runtime/nvrtc_compiler.hpp"

#include <nvrtc.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "core/error.hpp"
#include "runtime/device.hpp"
#include "runtime/include_policy.hpp"
#include "runtime/embedded_kernels.hpp"
#include "runtime/hash.hpp"

namespace fs = std::filesystem;

namespace attnlab {

std::string ContentHash::hex() const { return fmt::format("{:016x}{:016x}", a_, b_); }

std::vector<std::string> nvrtc_options(const CompileRequest& req) {
  std::vector<std::string> o = {"--gpu-architecture=" + req.arch, "-std=c++17", "--ptxas-options=-v",
                                "-default-device", "-lineinfo", "-DATTNLAB_NVRTC=1"};
  if (req.untrusted) {
    // No include directory at all, not even the source's own (the current directory): only the
    // embedded headers, which NVRTC gets in memory, can be included.
    o.push_back("--no-source-include");
    return o;  // and no caller options: they could add -I
  }
  // CUDA 13 moved cuda/std headers under include/cccl; kernels may use either.
  for (std::string dir : {std::string(ATTNLAB_CUDA_INCLUDE_DIR), std::string("/usr/local/cuda/include")}) {
    if (fs::exists(dir)) {
      o.push_back("-I" + dir);
      if (fs::exists(dir + "/cccl")) o.push_back("-I" + dir + "/cccl");
      break;
    }
  }
  o.insert(o.end(), req.options.begin(), req.options.end());
  return o;
}

namespace {

std::string key_text(const CompileRequest& req) {
  std::string t = fmt::format("nvrtc={}\narch={}\nuntrusted={}\n", nvrtc_version(), req.arch, req.untrusted);
  for (auto& o : nvrtc_options(req)) t += "opt=" + o + "\n";
  return t;
}

CompiledKernel compile_uncached(const CompileRequest& req) {
  const auto& headers = embedded_kernel_headers();
  std::vector<const char*> names, texts;
  for (auto& h : headers) {
    names.push_back(h.path.c_str());
    texts.push_back(h.text.c_str());
    for (auto& o : req.header_overrides)
      if (o.path == h.path) texts.back() = o.text.c_str();
  }
  nvrtcProgram prog;
  nvrtcResult r = nvrtcCreateProgram(&prog, req.source.c_str(), (req.name + ".cu").c_str(), int(headers.size()),
                                     texts.data(), names.data());
  if (r != NVRTC_SUCCESS) throw CompileError(fmt::format("{}: nvrtcCreateProgram: {}", req.name, nvrtcGetErrorString(r)), "");
  auto opts = nvrtc_options(req);
  std::vector<const char*> copts;
  for (auto& o : opts) copts.push_back(o.c_str());
  r = nvrtcCompileProgram(prog, int(copts.size()), copts.data());
  size_t log_size = 0;
  nvrtcGetProgramLogSize(prog, &log_size);
  std::string log(log_size, '\0');
  if (log_size) nvrtcGetProgramLog(prog, log.data());
  while (!log.empty() && log.back() == '\0') log.pop_back();
  if (req.untrusted && log.size() > kUntrustedLogLimit) log = log.substr(0, kUntrustedLogLimit) + "\n[log truncated]";
  if (r != NVRTC_SUCCESS) {
    nvrtcDestroyProgram(&prog);
    throw CompileError(fmt::format("{} for {}: NVRTC compilation failed: {}", req.name, req.arch, nvrtcGetErrorString(r)),
                       log);
  }
  size_t cubin_size = 0;
  nvrtcGetCUBINSize(prog, &cubin_size);
  CompiledKernel k;
  k.cubin.resize(cubin_size);
  nvrtcGetCUBIN(prog, k.cubin.data());
  nvrtcDestroyProgram(&prog);
  k.log = std::move(log);
  k.resources = parse_ptxas_report(k.log);
  return k;
}

}  // namespace

std::string cache_key(const CompileRequest& req) {
  ContentHash h;
  h.add(key_text(req)).add(req.source);
  for (auto& f : embedded_kernel_headers()) h.add(f.path).add(f.text);
  for (auto& o : req.header_overrides) h.add("override:" + o.path).add(o.text);
  return h.hex();
}

bool is_supported_arch(const std::string& arch) {
  static const std::regex re("sm_(8[0-9]|9[0-9]a?|1[0-9][0-9][af]?)");
  return std::regex_match(arch, re);
}

KernelResources parse_ptxas_report(const std::string& log) {
  KernelResources res;
  std::smatch m;
  static const std::regex regs(R"(Used (\d+) registers)"), smem(R"((\d+) bytes smem)"),
      frame(R"((\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads)"),
      bars(R"(used (\d+) barriers)");
  // A number too large for an int (only an edited log could hold one) leaves the field at its default.
  const auto num = [](const std::ssub_match& s, int& out) {
    int v = 0;
    const std::string t = s.str();
    if (std::from_chars(t.data(), t.data() + t.size(), v).ec == std::errc()) out = v;
  };
  if (std::regex_search(log, m, regs)) num(m[1], res.registers);
  if (std::regex_search(log, m, smem)) num(m[1], res.static_smem);
  if (std::regex_search(log, m, frame)) {
    num(m[1], res.stack_frame);
    num(m[2], res.spill_stores);
    num(m[3], res.spill_loads);
  }
  if (std::regex_search(log, m, bars)) num(m[1], res.barriers);
  return res;
}

CompiledKernel compile(const CompileRequest& req) {
  if (!is_supported_arch(req.arch))
    throw CompileError(fmt::format("unsupported arch '{}' (expected e.g. sm_80, sm_89, sm_90a)", req.arch), "");
  if (req.untrusted) {
    const auto embedded = [](const std::string& path) {
      for (auto& h : embedded_kernel_headers())
        if (h.path == path) return true;
      return false;
    };
    if (auto why = include_violation(req.source, embedded); !why.empty())
      throw CompileError(fmt::format("{}: refused before compiling: {}", req.name, why), "");
    for (auto& o : req.header_overrides)
      if (auto why = include_violation(o.text, embedded); !why.empty())
        throw CompileError(fmt::format("{}: refused before compiling: {}: {}", req.name, o.path, why), "");
  }
  for (auto& o : req.header_overrides)
    if (!std::any_of(embedded_kernel_headers().begin(), embedded_kernel_headers().end(),
                     [&](const EmbeddedFile& h) { return h.path == o.path; }))
      throw CompileError(fmt::format("{}: {} is not an embedded kernel header", req.name, o.path), "");
  static std::mutex memo_mutex;
  static std::unordered_map<std::string, CompiledKernel> memo;
  const std::string key = cache_key(req);
  {
    std::lock_guard lk(memo_mutex);
    if (auto it = memo.find(key); it != memo.end()) return it->second;
  }
  const std::string dir = kernel_cache_dir();
  if (auto why = prepare_cache_dir(dir); !why.empty()) throw UserError(why);
  CompiledKernel k;
  const std::string ktext = key_text(req);
  if (auto hit = cache_load(dir, key, ktext)) {
    k.cubin = std::move(hit->cubin);
    k.log = std::move(hit->log);
    k.resources = parse_ptxas_report(k.log);
    k.from_cache = true;
  } else {
    k = compile_uncached(req);  // a missing, foreign or corrupt entry is replaced
    cache_store(dir, key, ktext, {k.cubin, k.log});
  }
  k.key = key;
  std::lock_guard lk(memo_mutex);
  memo.emplace(key, k);
  return k;
}

}  // namespace attnlab

namespace attnlab {
std::string embedded_kernels_hash() {
  static const std::string h = [] {
    ContentHash c;
    for (auto& f : embedded_kernel_headers()) c.add(f.path).add(f.text);
    return c.hex();
  }();
  return h;
}
int nvrtc_version() {
  int major = 0, minor = 0;
  nvrtcVersion(&major, &minor);
  return major * 1000 + minor * 10;
}

}  // namespace attnlab
