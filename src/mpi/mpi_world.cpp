// The MPI plugin (libattnlab_mpi.so, docs/mpi.md): the one file that calls MPI, built only when CMake finds an MPI
// (ATTNLAB_WITH_MPI). attnlab loads it with dlopen when --mpi is given (search/mpi_link.cpp), so the attnlab binary
// itself needs no MPI library to start: a machine without one runs everything but --mpi.
#define OMPI_SKIP_MPICXX 1  // the C API only
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <chrono>
#include <thread>

#include "search/mpi_link.hpp"

namespace attnlab {

namespace {
constexpr int kTag = 23;

class OpenMpiWorld : public MpiWorld {
 public:
  OpenMpiWorld() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm host;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &host);
    MPI_Comm_rank(host, &local_rank_);
    MPI_Comm_free(&host);
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int len = 0;
    MPI_Get_processor_name(name, &len);
    host_.assign(name, size_t(len));
  }
  ~OpenMpiWorld() override { MPI_Finalize(); }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const override { return local_rank_; }
  std::string host() const override { return host_; }
  void send(int to, const std::string& text) override {
    MPI_Send(text.data(), int(text.size()), MPI_CHAR, to, kTag, MPI_COMM_WORLD);
  }
  // Probes and sleeps instead of a blocking receive: an idle rank does not spin a core (CI oversubscribes).
  std::optional<RankMessage> receive(double timeout_s) override {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    for (;;) {
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(MPI_ANY_SOURCE, kTag, MPI_COMM_WORLD, &flag, &st);
      if (flag) {
        int n = 0;
        MPI_Get_count(&st, MPI_CHAR, &n);
        RankMessage m;
        m.rank = st.MPI_SOURCE;
        m.text.resize(size_t(n));
        MPI_Recv(m.text.data(), n, MPI_CHAR, st.MPI_SOURCE, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        return m;
      }
      if (std::chrono::steady_clock::now() >= until) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0;
  std::string host_;
};
}  // namespace

}  // namespace attnlab

// The plugin's one entry point (search/mpi_link.cpp looks it up by this name).
extern "C" attnlab::MpiWorld* attnlab_mpi_world() { return new attnlab::OpenMpiWorld(); }
