#pragma once
// MPI as the transport of search/rank_pool.hpp (docs/mpi.md): MPI_Init / MPI_Finalize, this process's rank,
// its rank among the ranks of its host (MPI_Comm_split_type shared: local rank -> GPU), and messages as byte
// strings on MPI_COMM_WORLD. A rank that dies ends the job (MPI's default error handler, and mpirun ends the
// others); rank 0's database then holds every evaluation that finished, and the same command resumes.
// Built only with ATTNLAB_WITH_MPI (CMake); without it start_mpi() is a UserError.
#include <memory>
#include <string>

#include "search/rank_pool.hpp"

namespace attnlab {

class MpiWorld : public RankLink {
 public:
  virtual int local_rank() const = 0;
  virtual std::string host() const = 0;
};

// Whether this attnlab was built with MPI.
bool mpi_available();
// MPI_Init (threads: funneled; only the calling thread uses MPI) ... MPI_Finalize when the result is destroyed.
std::unique_ptr<MpiWorld> start_mpi();

}  // namespace attnlab
