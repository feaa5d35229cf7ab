#include "search/mpi_link.hpp"

#include "core/error.hpp"

#ifdef ATTNLAB_HAVE_MPI
#define OMPI_SKIP_MPICXX 1  // the C API only
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <chrono>
#include <thread>

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

bool mpi_available() { return true; }
std::unique_ptr<MpiWorld> start_mpi() { return std::make_unique<OpenMpiWorld>(); }

}  // namespace attnlab

#else

namespace attnlab {

bool mpi_available() { return false; }
std::unique_ptr<MpiWorld> start_mpi() {
  throw UserError("--mpi: this attnlab was built without MPI (install an MPI, e.g. scripts/install-deps.sh's OpenMPI, "
                  "and configure with -DATTNLAB_WITH_MPI=ON)");
}

}  // namespace attnlab
#endif
