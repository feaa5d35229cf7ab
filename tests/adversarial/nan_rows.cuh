// ADVERSARIAL SOURCE CANDIDATE 'nan_rows' (tests/adversarial; never a real kernel).
// What it does: writes NaN into the last query row of every head when seqlen_q > 1000 (only large shapes; every small gate shape is clean).
// Expected: rejected: the gate checks the target shape (NaN counted as bad)
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/nan_rows.cuh`.
//@@ replace
  store_output<Cfg>(acc_o, inv, row_lse, sQ, o, p.o_row_stride, lse, rows_valid, warp_row0, tid);
//@@ with
  store_output<Cfg>(acc_o, inv, row_lse, sQ, o, p.o_row_stride, lse, rows_valid, warp_row0, tid);
  // ADVERSARIAL: NaN on one row of large problems only.
  __syncthreads();
  if (p.seqlen_q > 1000 && m_block * BM + rows_valid == p.seqlen_q && tid == 0)
    o[(long long)(rows_valid - 1) * p.o_row_stride] = 0x7fff;  // NaN in fp16 and in bf16
//@@ end
