#pragma once
// MPI as the transport of search/rank_pool.hpp (docs/mpi.md): MPI_Init / MPI_Finalize, this process's rank,
// its rank among the ranks of its host (MPI_Comm_split_type shared: local rank -> GPU), and messages as byte
// strings on MPI_COMM_WORLD. A rank that dies ends the job (MPI's default error handler, and mpirun ends the
// others); rank 0's database then holds every evaluation that finished, and the same command resumes.
// The MPI calls live in a plugin, libattnlab_mpi.so beside the executable (src/mpi/mpi_world.cpp), built with
// ATTNLAB_WITH_MPI and loaded only for --mpi: the attnlab binary itself does not need an MPI library to start.
#include <memory>
#include <string>

#include "search/rank_pool.hpp"

namespace attnlab {

class MpiWorld : public RankLink {
 public:
  virtual int local_rank() const = 0;
  virtual std::string host() const = 0;
};

// Whether this attnlab was built with MPI (the plugin).
bool mpi_available();
// Loads the plugin (no MPI_Init yet): UserError when built without MPI or when it (or the MPI library) cannot be
// loaded, naming the reason — checked before any work.
void require_mpi();
// MPI_Init (threads: funneled; only the calling thread uses MPI) ... MPI_Finalize when the result is destroyed.
std::unique_ptr<MpiWorld> start_mpi();

}  // namespace attnlab
