#pragma once
// Thread-block clusters (sm_90): the CTA's rank in its cluster, shared-memory addresses of a peer CTA
// (mapa), arrivals on a peer's mbarrier, and the cluster-wide barrier. All shared addresses are 32-bit
// shared-window addresses; a CTA's own address is also valid in the shared::cluster window.
#include "common/types.cuh"

namespace attnlab {

// Not volatile: constant for the CTA, so the compiler may hoist it.
__device__ __forceinline__ u32 cluster_ctarank() {
  u32 r;
  asm("mov.u32 %0, %%cluster_ctarank;\n" : "=r"(r));
  return r;
}

// The address of the same shared-memory offset in CTA `rank` of this cluster.
__device__ __forceinline__ u32 cluster_map_shared(u32 addr, u32 rank) {
  u32 r;
  asm("mapa.shared::cluster.u32 %0, %1, %2;\n" : "=r"(r) : "r"(addr), "r"(rank));
  return r;
}

// One arrival on an mbarrier of any CTA of the cluster (cluster_map_shared address), with the default semantics
// (release at CTA scope), as CUTLASS's ClusterBarrier::arrive(cta_id). What a stage release must order before the
// peer's refill is the completion of this warp's wgmma reads of the stage (wgmma.wait_group), not memory writes,
// and .release.cluster would put MEMBAR.ALL.GPU in front of every release (ptxas 13, sm_90a).
__device__ __forceinline__ void mbar_arrive_cluster(u32 cluster_addr) {
  asm volatile("mbarrier.arrive.shared::cluster.b64 _, [%0];\n" ::"r"(cluster_addr) : "memory");
}

// Cluster-wide barrier: wait returns once every non-exited thread of every CTA of the cluster has arrived.
// Not .aligned: callers may be divergent inside a warp. The relaxed arrive orders nothing by itself; pair it with
// a release fence (fence.mbarrier_init.release.cluster after barrier init) where ordering is needed. (A release
// arrive costs MEMBAR.ALL.GPU; the acquire wait invalidates L1, CCTL.IVALL.)
__device__ __forceinline__ void cluster_arrive_relaxed() {
  asm volatile("barrier.cluster.arrive.relaxed;\n" ::: "memory");
}
__device__ __forceinline__ void cluster_wait() { asm volatile("barrier.cluster.wait.acquire;\n" ::: "memory"); }
__device__ __forceinline__ void cluster_sync_relaxed() {
  cluster_arrive_relaxed();
  cluster_wait();
}

}  // namespace attnlab
