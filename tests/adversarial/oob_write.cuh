// ADVERSARIAL SOURCE CANDIDATE 'oob_write' (tests/adversarial; never a real kernel).
// What it does: writes all BLOCK_M rows of O and LSE, also those past seqlen_q (past the end of O / into the next head's LSE).
// Expected: rejected by the gate (LSE of another head overwritten) or by compute-sanitizer memcheck
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/oob_write.cuh`.
//@@ replace
  store_output<Cfg>(acc_o, inv, row_lse, sQ, o, p.o_row_stride, lse, rows_valid, warp_row0, tid);
//@@ with
  store_output<Cfg>(acc_o, inv, row_lse, sQ, o, p.o_row_stride, lse, BM, warp_row0, tid);  // ADVERSARIAL
//@@ end
