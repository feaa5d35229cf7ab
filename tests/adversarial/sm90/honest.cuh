// CONTROL SOURCE CANDIDATE 'honest' (tests/adversarial/sm90): the built-in sm90 kernel expressed as edits
// that change nothing (each edited line replaced by itself in consumer, producer, scheduler, epilogue and the
// kernel shell), handed in through the source-candidate path.
// Expected: accepted (control), at the built-in kernel's TFLOP/s
//@@ file sm90/consumer.cuh
//@@ replace
inline constexpr int kSchedulerBarrier0 = 4;  // named barriers 4..6
//@@ with
inline constexpr int kSchedulerBarrier0 = 4;  // named barriers 4..6
//@@ end
//@@ file sm90/producer.cuh
//@@ replace
__device__ __forceinline__ void load_tile_slabs(u32 dst, int slab_bytes, const TmaDescriptor* map, u32 bar, int row,
//@@ with
__device__ __forceinline__ void load_tile_slabs(u32 dst, int slab_bytes, const TmaDescriptor* map, u32 bar, int row,
//@@ end
//@@ file sm90/scheduler.cuh
//@@ replace
  __device__ __forceinline__ static bool dynamic(const Sm90FwdParams& p) {
//@@ with
  __device__ __forceinline__ static bool dynamic(const Sm90FwdParams& p) {
//@@ end
//@@ file sm90/epilogue.cuh
//@@ replace
inline constexpr int kEpilogueBarrier0 = 1;  // named barriers 1..3: one per consumer warpgroup
//@@ with
inline constexpr int kEpilogueBarrier0 = 1;  // named barriers 1..3: one per consumer warpgroup
//@@ end
//@@ file sm90/smem.cuh
//@@ replace
  __device__ __forceinline__ operator u32() const { return addr; }
//@@ with
  __device__ __forceinline__ operator u32() const { return addr; }
//@@ end
//@@ file sm90/flash_fwd_kernel.cuh
//@@ replace
template <class Cfg, bool kMicro = false>
//@@ with
template <class Cfg, bool kMicro = false>
//@@ end
