#include "runtime/nvrtc_compiler.hpp"

#include <nvrtc.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "runtime/device.hpp"
#include "runtime/embedded_kernels.hpp"
#include "runtime/hash.hpp"

namespace fs = std::filesystem;

namespace attnlab {

std::string ContentHash::hex() const { return fmt::format("{:016x}{:016x}", a_, b_); }

namespace {

std::vector<std::string> full_options(const CompileRequest& req) {
  std::vector<std::string> o = {"--gpu-architecture=" + req.arch, "-std=c++17", "--ptxas-options=-v",
                                "-default-device", "-lineinfo", "-DATTNLAB_NVRTC=1"};
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

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return {};
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Write to a unique temporary name then rename: a reader sees the old state or the whole file.
void write_atomic(const fs::path& p, const std::string& bytes) {
  static std::mt19937_64 rng{std::random_device{}()};
  static std::mutex m;
  uint64_t r;
  {
    std::lock_guard lk(m);
    r = rng();
  }
  fs::path tmp = p;
  tmp += fmt::format(".tmp.{}.{:x}", ::getpid(), r);
  {
    std::ofstream f(tmp, std::ios::binary);
    f.write(bytes.data(), std::streamsize(bytes.size()));
    if (!f) return;  // cache is best-effort; compilation still succeeded
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) fs::remove(tmp, ec);
}

std::string key_text(const CompileRequest& req) {
  std::string t = fmt::format("nvrtc={}\narch={}\n", nvrtc_version(), req.arch);
  for (auto& o : full_options(req)) t += "opt=" + o + "\n";
  return t;
}

CompiledKernel compile_uncached(const CompileRequest& req) {
  const auto& headers = embedded_kernel_headers();
  std::vector<const char*> names, texts;
  for (auto& h : headers) {
    names.push_back(h.path.c_str());
    texts.push_back(h.text.c_str());
  }
  nvrtcProgram prog;
  nvrtcResult r = nvrtcCreateProgram(&prog, req.source.c_str(), (req.name + ".cu").c_str(), int(headers.size()),
                                     texts.data(), names.data());
  if (r != NVRTC_SUCCESS) throw CompileError(fmt::format("{}: nvrtcCreateProgram: {}", req.name, nvrtcGetErrorString(r)), "");
  auto opts = full_options(req);
  std::vector<const char*> copts;
  for (auto& o : opts) copts.push_back(o.c_str());
  r = nvrtcCompileProgram(prog, int(copts.size()), copts.data());
  size_t log_size = 0;
  nvrtcGetProgramLogSize(prog, &log_size);
  std::string log(log_size, '\0');
  if (log_size) nvrtcGetProgramLog(prog, log.data());
  while (!log.empty() && log.back() == '\0') log.pop_back();
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

std::string kernel_cache_dir() {
  if (const char* d = std::getenv("ATTNLAB_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/attnlab/kernels";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/attnlab/kernels";
  return "/tmp/attnlab-kernels";
}

std::string cache_key(const CompileRequest& req) {
  ContentHash h;
  h.add(key_text(req)).add(req.source);
  for (auto& f : embedded_kernel_headers()) h.add(f.path).add(f.text);
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
  if (std::regex_search(log, m, regs)) res.registers = std::stoi(m[1]);
  if (std::regex_search(log, m, smem)) res.static_smem = std::stoi(m[1]);
  if (std::regex_search(log, m, frame)) {
    res.stack_frame = std::stoi(m[1]);
    res.spill_stores = std::stoi(m[2]);
    res.spill_loads = std::stoi(m[3]);
  }
  if (std::regex_search(log, m, bars)) res.barriers = std::stoi(m[1]);
  return res;
}

CompiledKernel compile(const CompileRequest& req) {
  if (!is_supported_arch(req.arch))
    throw CompileError(fmt::format("unsupported arch '{}' (expected e.g. sm_80, sm_89, sm_90a)", req.arch), "");
  static std::mutex memo_mutex;
  static std::unordered_map<std::string, CompiledKernel> memo;
  const std::string key = cache_key(req);
  {
    std::lock_guard lk(memo_mutex);
    if (auto it = memo.find(key); it != memo.end()) return it->second;
  }
  const fs::path dir = kernel_cache_dir();
  const fs::path cubin_path = dir / (key + ".cubin"), log_path = dir / (key + ".log"), meta_path = dir / (key + ".key");
  CompiledKernel k;
  const std::string ktext = key_text(req);
  if (fs::exists(cubin_path) && read_file(meta_path) == ktext) {
    k.cubin = read_file(cubin_path);
    k.log = read_file(log_path);
    k.resources = parse_ptxas_report(k.log);
    k.from_cache = !k.cubin.empty();
  }
  if (!k.from_cache) {
    k = compile_uncached(req);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (!ec) {
      write_atomic(log_path, k.log);
      write_atomic(meta_path, ktext);
      write_atomic(cubin_path, k.cubin);  // last: its presence marks a complete entry
    }
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
}  // namespace attnlab
