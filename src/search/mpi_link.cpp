#include "search/mpi_link.hpp"

#include <dlfcn.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/process.hpp"

namespace attnlab {

#ifdef ATTNLAB_HAVE_MPI
bool mpi_available() { return true; }
#else
bool mpi_available() { return false; }
#endif

namespace {
using MakeWorld = MpiWorld* (*)();
// The plugin beside this executable, loaded once; UserError with the loader's reason when it cannot be.
MakeWorld load_plugin() {
  if (!mpi_available())
    throw UserError("--mpi: this attnlab was built without MPI (install an MPI, e.g. scripts/install-deps.sh's "
                    "OpenMPI, and configure with -DATTNLAB_WITH_MPI=ON)");
  static MakeWorld make = nullptr;
  if (make) return make;
  const std::string path = (std::filesystem::path(self_executable()).parent_path() / "libattnlab_mpi.so").string();
  // RTLD_GLOBAL: the MPI library's own components, which it opens later, resolve against its symbols.
  void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!h) throw UserError(std::string("--mpi: cannot load the MPI plugin: ") + ::dlerror() + " (docs/mpi.md)");
  make = reinterpret_cast<MakeWorld>(::dlsym(h, "attnlab_mpi_world"));
  if (!make) throw UserError("--mpi: " + path + " has no attnlab_mpi_world (another build's plugin?)");
  return make;  // never closed: MPI_Finalize runs in the world's destructor, at the end of the command
}
}  // namespace

void require_mpi() { load_plugin(); }
std::unique_ptr<MpiWorld> start_mpi() { return std::unique_ptr<MpiWorld>(load_plugin()()); }

}  // namespace attnlab
