#include "export/export_package.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "backends/custom/flash_kernel.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
#include "evidence/sha256.hpp"
#include "export/library_source.hpp"
#include "export/package_files.hpp"
#include "export/package_sources.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "measure/environment.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace attnlab {

namespace fs = std::filesystem;

namespace {
// DIR may be missing, an empty folder or an earlier export (its manifest says so); nothing else is replaced.
void check_out_dir(const std::string& dir) {
  if (dir.empty()) throw UserError("--out: no folder given");
  std::error_code ec;
  const fs::path p(dir);
  if (!fs::exists(fs::symlink_status(p, ec))) {
    const fs::path parent = fs::absolute(p).parent_path();
    if (!fs::is_directory(parent, ec)) throw UserError(fmt::format("--out '{}': folder '{}' does not exist", dir, parent.string()));
    return;
  }
  if (fs::is_symlink(fs::symlink_status(p, ec))) throw UserError(fmt::format("--out '{}' is a symbolic link", dir));
  if (!fs::is_directory(p, ec)) throw UserError(fmt::format("--out '{}' exists and is not a folder", dir));
  if (fs::is_empty(p, ec)) return;
  try {
    if (read_json_file((p / "manifest.json").string()).value("schema", "") == kExportSchema) return;
  } catch (const std::exception&) {
  }
  throw UserError(fmt::format("--out '{}' is a folder that holds something other than an attnlab export: name a new "
                              "or empty folder", dir));
}

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  write_file_atomic(p.string(), bytes, Naming::by_attnlab);
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw UserError(fmt::format("cannot read {}", p.string()));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The exported library's symbol version node: only the C API is visible; ABI 1's names stay bound to it.
constexpr const char* kVersionScript =
    "ATTNLAB_FLASH_1 {\n  global:\n    attnlab_flash_fwd;\n    attnlab_flash_choose_config;\n    attnlab_last_error;\n"
    "    attnlab_flash_abi_version;\n    attnlab_flash_archs;\n    attnlab_flash_build_info;\n  local:\n    *;\n};\n";
}  // namespace

std::string default_runtime_archive() {
  if (const char* e = std::getenv("ATTNLAB_FLASH_RUNTIME")) return e;
  return ATTNLAB_FLASH_RT_ARCHIVE;
}
std::string default_cxx() {
  if (const char* e = std::getenv("CXX"); e && *e) return e;
  return ATTNLAB_CXX_COMPILER;
}

ExportResult export_package(const ExportOptions& o, const std::function<void(const std::string&)>& progress) {
  ExportResult r;
  const DispatchTable table = read_dispatch_file(o.dispatch_path);
  r.plan = plan_export(table, o.archs.empty() ? std::vector<std::string>{table.arch} : o.archs, o.dtypes, o.head_dims);
  for (const auto& k : r.plan.kernels)
    progress(fmt::format("{} {} {} d={}", k.arch, k.config.name(), dtype_name(k.dtype), k.head_dim));
  if (o.plan_only) return r;
  check_out_dir(o.out_dir);
  const std::string cxx = o.cxx.empty() ? default_cxx() : o.cxx;
  const std::string archive = o.runtime_archive.empty() ? default_runtime_archive() : o.runtime_archive;
  if (std::error_code ec; !fs::is_regular_file(archive, ec))
    throw UserError(fmt::format("the exported library's runtime archive '{}' is missing: build attnlab (target "
                                "attnlab_flash_rt) or set ATTNLAB_FLASH_RUNTIME", archive));
  if (!run_process({cxx, "--version"}).ok())
    throw UserError(fmt::format("attnlab export links the library with a C++ compiler: '{}' does not run (set CXX)", cxx));

  // cubins: the NVRTC path and its cache, several compilations at once
  for (const auto& arch : r.plan.archs) {
    std::vector<CompileJob> jobs;
    for (const auto& k : r.plan.kernels)
      if (k.arch == arch) jobs.push_back({k.config, k.dtype, k.head_dim});
    progress(fmt::format("compiling {} kernels for {}", jobs.size(), arch));
    const auto errors = precompile(jobs, arch);
    for (size_t i = 0; i < errors.size(); ++i)
      if (!errors[i].empty()) throw UserError(fmt::format("{} for {}: {}", jobs[i].cfg.name(), arch, errors[i]));
  }
  const fs::path out = fs::absolute(o.out_dir);
  const fs::path tmp = out.parent_path() / fmt::format(".{}.tmp-{}", out.filename().string(), getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  try {
    nlohmann::json cubins = nlohmann::json::array();
    std::vector<size_t> sizes;
    for (size_t i = 0; i < r.plan.kernels.size(); ++i) {
      const ExportKernel& k = r.plan.kernels[i];
      const CompiledKernel c = compile_flash(k.config, k.dtype, k.head_dim, k.arch);
      write(tmp / "cubins" / cubin_file_name(k), c.cubin);
      write(tmp / "src" / fmt::format("cubin_{}.bin", i), c.cubin);
      sizes.push_back(c.cubin.size());
      cubins.push_back({{"arch", k.arch}, {"config", k.config.name()}, {"dtype", dtype_name(k.dtype)}, {"head_dim", k.head_dim},
                        {"file", "cubins/" + cubin_file_name(k)}, {"bytes", c.cubin.size()}, {"sha256", sha256_hex(c.cubin)},
                        {"registers", c.resources.registers}, {"spill_stores", c.resources.spill_stores}});
    }
    const std::string dispatch_json = json_text(to_json(table), 2);
    const std::string build_info = fmt::format("attnlab {} {}, NVRTC {}", ATTNLAB_VERSION, git_commit(), nvrtc_version());
    write(tmp / "src" / "embedded_package.hpp", export_package_source("runtime/embedded_package.hpp"));
    write(tmp / "src" / "library.cpp", library_source(r.plan, sizes, dispatch_json, build_info));
    write(tmp / "src" / "exports.map", kVersionScript);
    fs::create_directories(tmp / "lib");
    const fs::path lib = tmp / "lib" / "libattnlab_flash.so";
    const std::vector<std::string> argv = {cxx, "-std=c++17", "-O1", "-fPIC", "-shared", "-o", lib.string(),
                                           (tmp / "src" / "library.cpp").string(), "-Wa,-I" + (tmp / "src").string(),
                                           "-Wl,-u,attnlab_flash_fwd,-u,attnlab_flash_choose_config,-u,attnlab_last_error,"
                                           "-u,attnlab_flash_abi_version,-u,attnlab_flash_archs,-u,attnlab_flash_build_info",
                                           archive, "-Wl,--version-script=" + (tmp / "src" / "exports.map").string(),
                                           "-Wl,--no-undefined", "-Wl,-soname,libattnlab_flash.so",
                                           "-static-libstdc++", "-static-libgcc", "-ldl", "-lpthread"};
    progress("linking lib/libattnlab_flash.so");
    if (const ProcessResult link = run_process(argv, {.timeout_s = 600}); !link.ok())
      throw UserError(fmt::format("linking the exported library failed ({}): {}", link.describe(), link.err.substr(0, 2000)));
    const std::string lib_bytes = read_bytes(lib);
    write(tmp / "include" / "attnlab_flash.h", export_package_source("runtime/attnlab_flash.h"));
    write(tmp / "lib" / "pkgconfig" / "attnlab_flash.pc", pkg_config_file());
    write(tmp / "lib" / "cmake" / "attnlab_flash" / "attnlab_flashConfig.cmake", cmake_config_file());
    write(tmp / "lib" / "cmake" / "attnlab_flash" / "attnlab_flashConfigVersion.cmake", cmake_config_version_file());
    for (const auto& f : export_package_sources())
      if (f.path.rfind("python/", 0) == 0) write(tmp / f.path, f.text);
    write(tmp / "python" / kPythonPackage / "libattnlab_flash.so", lib_bytes);
    write(tmp / "dist" / wheel_name(), python_wheel(lib_bytes));
    write(tmp / "dispatch.json", dispatch_json);
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& [dt, d] : r.plan.problems) problems.push_back({{"dtype", dtype_name(dt)}, {"head_dim", d}});
    const nlohmann::json manifest = {{"schema", kExportSchema}, {"abi_version", 1}, {"archs", r.plan.archs},
                                     {"problems", problems}, {"build_info", build_info}, {"dispatch", o.dispatch_path},
                                     {"library_sha256", sha256_hex(lib_bytes)}, {"wheel", "dist/" + wheel_name()},
                                     {"cubins", cubins}};
    write(tmp / "manifest.json", json_text(manifest, 2) + "\n");
    fs::remove_all(out);
    fs::rename(tmp, out);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  r.library = (out / "lib" / "libattnlab_flash.so").string();
  r.wheel = (out / "dist" / wheel_name()).string();
  return r;
}

}  // namespace attnlab
