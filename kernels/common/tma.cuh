#pragma once
// TMA (cp.async.bulk.tensor, sm_90): tile copies between global memory and shared memory described by a
// CUtensorMap built on the host (cuTensorMapEncodeTiled) and passed as a __grid_constant__ parameter.
// Loads complete on an mbarrier (transaction bytes); stores are bulk async-groups. A multicast load writes the
// same box into every CTA of the cluster named by a mask, at the same shared-memory offset, and signals each
// destination CTA's mbarrier at the same offset as `bar`.
#include "common/params.cuh"
#include "common/types.cuh"

namespace attnlab {

__device__ __forceinline__ void tma_prefetch_descriptor(const TmaDescriptor* d) {
  asm volatile("prefetch.tensormap [%0];\n" ::"l"(reinterpret_cast<u64>(d)) : "memory");
}

// 4-D tile load: coordinates innermost first (elements).
__device__ __forceinline__ void tma_load_4d(u32 dst, const TmaDescriptor* d, u32 bar, int c0, int c1, int c2, int c3) {
  asm volatile(
      "cp.async.bulk.tensor.4d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%3, %4, %5, %6}], [%2];\n" ::"r"(dst),
      "l"(reinterpret_cast<u64>(d)), "r"(bar), "r"(c0), "r"(c1), "r"(c2), "r"(c3)
      : "memory");
}

// 4-D tile load multicast to the CTAs of the cluster whose rank bits are set in cta_mask (sm_90).
__device__ __forceinline__ void tma_load_4d_multicast(u32 dst, const TmaDescriptor* d, u32 bar, int c0, int c1, int c2,
                                                      int c3, u16 cta_mask) {
  asm volatile(
      "cp.async.bulk.tensor.4d.shared::cluster.global.mbarrier::complete_tx::bytes.multicast::cluster"
      " [%0], [%1, {%3, %4, %5, %6}], [%2], %7;\n" ::"r"(dst),
      "l"(reinterpret_cast<u64>(d)), "r"(bar), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "h"(cta_mask)
      : "memory");
}

// 4-D tile store from shared memory; out-of-bounds parts of the box are not written.
__device__ __forceinline__ void tma_store_4d(const TmaDescriptor* d, u32 src, int c0, int c1, int c2, int c3) {
  asm volatile("cp.async.bulk.tensor.4d.global.shared::cta.bulk_group [%0, {%2, %3, %4, %5}], [%1];\n" ::"l"(
                   reinterpret_cast<u64>(d)),
               "r"(src), "r"(c0), "r"(c1), "r"(c2), "r"(c3)
               : "memory");
}
__device__ __forceinline__ void tma_store_commit() { asm volatile("cp.async.bulk.commit_group;\n" ::: "memory"); }
// Waits until the committed stores have finished reading shared memory (the buffer may be reused).
__device__ __forceinline__ void tma_store_wait_read() { asm volatile("cp.async.bulk.wait_group.read 0;\n" ::: "memory"); }
// Waits until the committed stores are complete (before the CTA exits).
__device__ __forceinline__ void tma_store_wait_all() { asm volatile("cp.async.bulk.wait_group 0;\n" ::: "memory"); }

// Orders this thread's generic-proxy shared-memory writes before later async-proxy (TMA/wgmma) reads.
__device__ __forceinline__ void fence_proxy_async_smem() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

}  // namespace attnlab
