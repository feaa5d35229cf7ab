#pragma once
// The Nsight Compute metrics attnlab asks for, per set and arch: names that read on that arch (on sm_90
// `sm__pipe_tensor_active` reads n/a; tensor activity is sm__pipe_tensor_op_hmma_cycles_active, which
// counts HMMA and HGMMA, and wgmma instructions are sm__inst_executed_pipe_tensor_op_gmma). The verdict
// reads them through the names below, so a metric is named in one place.
#include <string>
#include <vector>

namespace attnlab::profile::metric {
// brief
inline constexpr const char* kTensorPipePct = "sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active";
inline constexpr const char* kGmmaInst = "sm__inst_executed_pipe_tensor_op_gmma.sum";  // sm_90 only
inline constexpr const char* kWarpsActivePct = "sm__warps_active.avg.pct_of_peak_sustained_active";  // achieved occupancy
inline constexpr const char* kDramPct = "dram__throughput.avg.pct_of_peak_sustained_elapsed";
inline constexpr const char* kSmPct = "sm__throughput.avg.pct_of_peak_sustained_elapsed";
inline constexpr const char* kDuration = "gpu__time_duration.sum";  // ns with --print-units base
inline constexpr const char* kDramBytesRead = "dram__bytes_read.sum";
inline constexpr const char* kDramBytesWrite = "dram__bytes_write.sum";
inline constexpr const char* kL2Pct = "lts__throughput.avg.pct_of_peak_sustained_elapsed";
inline constexpr const char* kIssueActivePct = "smsp__issue_active.avg.pct_of_peak_sustained_active";
// full
inline constexpr const char* kTheoreticalOccPct = "sm__maximum_warps_per_active_cycle_pct";
inline constexpr const char* kSmemPct = "l1tex__data_pipe_lsu_wavefronts_mem_shared.avg.pct_of_peak_sustained_elapsed";
inline constexpr const char* kSmemBankConflictsLd = "l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum";
inline constexpr const char* kSmemBankConflictsSt = "l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_st.sum";
inline constexpr const char* kSmemWavefronts = "l1tex__data_pipe_lsu_wavefronts_mem_shared.sum";
inline constexpr const char* kL1HitPct = "l1tex__t_sector_hit_rate.pct";
inline constexpr const char* kL2HitPct = "lts__t_sector_hit_rate.pct";
inline constexpr const char* kLocalLoadBytes = "l1tex__t_bytes_pipe_lsu_mem_local_op_ld.sum";
inline constexpr const char* kLocalStoreBytes = "l1tex__t_bytes_pipe_lsu_mem_local_op_st.sum";
// Warp-stall reasons: smsp__average_warps_issue_stalled_<reason>_per_issue_active.ratio
std::string stall_metric(const std::string& reason);
const std::vector<std::string>& stall_reasons();
}  // namespace attnlab::profile::metric

namespace attnlab::profile {

// "brief" or "full" for arch ("sm_80", "sm_89", "sm_90a", ...); UserError on an unknown set.
std::vector<std::string> metric_names(const std::string& set, const std::string& arch);

}  // namespace attnlab::profile
