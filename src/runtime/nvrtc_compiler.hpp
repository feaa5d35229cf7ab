#pragma once
// NVRTC compilation of an entry source (which #includes the embedded kernel headers) to a cubin for one
// architecture, with an on-disk cache keyed by a hash of source + headers + options + arch + NVRTC
// version. Safe when several threads or processes share the cache: entries appear by atomic rename.
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/cubin.hpp"
#include "runtime/embedded_kernels.hpp"
#include "runtime/kernel_cache.hpp"  // kernel_cache_dir()

namespace attnlab {

struct CompileRequest {
  std::string name;    // program name, used in messages
  std::string source;  // entry translation unit
  std::string arch;    // "sm_80", "sm_89", "sm_90a"
  std::vector<std::string> options;  // extra NVRTC options
  // Source from outside attnlab (a proposer's candidate): before compiling, every #include must name
  // an embedded header (include_policy.hpp; absolute paths, '..' and computed includes are refused);
  // NVRTC then gets no -I and --no-source-include, so it can open no host file; the log is capped.
  bool untrusted = false;
  // Embedded headers replaced by these texts for this compilation (a source candidate's patched kernel
  // files, backends/custom/kernel_patch.hpp); each path must name an embedded header. Part of the key;
  // for an untrusted request their includes are checked like the source's.
  std::vector<EmbeddedFile> header_overrides;
};

// The most of an NVRTC log kept for an untrusted source (stored in the results database, sent back to
// the proposer).
inline constexpr size_t kUntrustedLogLimit = 2000;

class CompileError : public std::runtime_error {
 public:
  CompileError(const std::string& what, std::string log) : std::runtime_error(what), log_(std::move(log)) {}
  const std::string& log() const { return log_; }

 private:
  std::string log_;
};

CompiledKernel compile(const CompileRequest& req);  // cached; throws CompileError with the NVRTC log
std::vector<std::string> nvrtc_options(const CompileRequest& req);  // what NVRTC gets (part of the key)
KernelResources parse_ptxas_report(const std::string& log);
std::string cache_key(const CompileRequest& req);
bool is_supported_arch(const std::string& arch);  // sm_80, sm_86, sm_89, sm_90, sm_90a, sm_100a ...

int nvrtc_version();  // 12080 for 12.8

}  // namespace attnlab
