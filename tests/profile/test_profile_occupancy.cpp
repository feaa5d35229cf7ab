// Theoretical occupancy against values worked out by hand from the documented limits (and matching the
// CUDA occupancy calculator): registers per warp rounded to 256 and split over 4 sub-partitions, 1 KB
// reserved shared memory per block, max threads and blocks per SM.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "profile/occupancy.hpp"

namespace attnlab::profile {

TEST(ProfileOccupancy, KnownValues) {
  const auto a100 = SmLimits::for_arch("sm_80"), h100 = SmLimits::for_arch("sm_90a"), ada = SmLimits::for_arch("sm_89");
  // 126 regs -> 4096 per warp -> 4 warps per sub-partition -> 16 warps = 4 CTAs of 4 warps; smem 41 KB -> 4 too.
  auto o = theoretical_occupancy(a100, 128, 126, 40960);
  EXPECT_EQ(o.blocks_by_regs, 4);
  EXPECT_EQ(o.blocks_by_smem, 4);
  EXPECT_EQ(o.blocks_per_sm, 4);
  EXPECT_EQ(o.warps_per_sm, 16);
  EXPECT_DOUBLE_EQ(o.fraction, 0.25);
  EXPECT_EQ(o.limiter, OccupancyLimiter::registers);
  // 168 regs -> 5376 per warp -> 3 per sub-partition -> 12 warps -> one 8-warp CTA.
  o = theoretical_occupancy(h100, 256, 168, 0);
  EXPECT_EQ(o.blocks_per_sm, 1);
  EXPECT_DOUBLE_EQ(o.fraction, 8.0 / 64);
  EXPECT_EQ(o.limiter, OccupancyLimiter::registers);
  // Ada: 100 KB per SM, 48 KB + 1 KB reserved per block -> 2 CTAs; 48 warps max.
  o = theoretical_occupancy(ada, 128, 64, 49152);
  EXPECT_EQ(o.blocks_by_regs, 8);
  EXPECT_EQ(o.blocks_per_sm, 2);
  EXPECT_EQ(o.limiter, OccupancyLimiter::shared_memory);
  EXPECT_DOUBLE_EQ(o.fraction, 8.0 / 48);
  // Tiny blocks hit the 32-blocks-per-SM limit.
  o = theoretical_occupancy(a100, 32, 16, 0);
  EXPECT_EQ(o.blocks_per_sm, 32);
  EXPECT_EQ(o.limiter, OccupancyLimiter::blocks);
  EXPECT_DOUBLE_EQ(o.fraction, 0.5);
  // 1024 threads at 16 regs (registers would allow 4): the thread limit (2 per SM) binds.
  o = theoretical_occupancy(h100, 1024, 16, 0);
  EXPECT_EQ(o.blocks_per_sm, 2);
  EXPECT_EQ(o.limiter, OccupancyLimiter::threads);
  // The whole opt-in shared memory: exactly one CTA (232448 + 1024 reserved = 228 KB).
  o = theoretical_occupancy(h100, 128, 255, 232448);
  EXPECT_EQ(o.blocks_by_regs, 2);
  EXPECT_EQ(o.blocks_per_sm, 1);
  EXPECT_EQ(o.limiter, OccupancyLimiter::shared_memory);
}

TEST(ProfileOccupancy, BlocksThatCannotRun) {
  const auto h100 = SmLimits::for_arch("sm_90a");
  auto o = theoretical_occupancy(h100, 128, 64, 232449);
  EXPECT_EQ(o.blocks_per_sm, 0);
  EXPECT_NE(o.why_zero.find("shared memory"), std::string::npos);
  o = theoretical_occupancy(h100, 128, 256, 0);
  EXPECT_EQ(o.blocks_per_sm, 0);
  EXPECT_NE(o.why_zero.find("registers"), std::string::npos);
  EXPECT_EQ(theoretical_occupancy(SmLimits::for_arch("sm_89"), 128, 64, 101377).blocks_per_sm, 0);
  EXPECT_THROW(SmLimits::for_arch("sm_70"), UserError);
}

TEST(ProfileOccupancy, PerArchTable) {
  EXPECT_EQ(SmLimits::for_arch("sm_80").smem_per_sm, 167936);
  EXPECT_EQ(SmLimits::for_arch("sm_80").smem_per_block_optin, 166912);
  EXPECT_EQ(SmLimits::for_arch("sm_89").max_threads, 1536);
  EXPECT_EQ(SmLimits::for_arch("sm_89").max_blocks, 24);
  EXPECT_EQ(SmLimits::for_arch("sm_86").max_blocks, 16);
  EXPECT_EQ(SmLimits::for_arch("sm_90a").smem_per_sm, 233472);  // cudaDeviceProp on the H100
  EXPECT_EQ(SmLimits::for_arch("sm_90a").smem_per_block_optin, 232448);
}

}  // namespace attnlab::profile
