// ADVERSARIAL SOURCE CANDIDATE 'writes_inputs' (tests/adversarial; never a real kernel).
// What it does: after computing, CTA rows zero their Q rows in global memory (a kernel that uses its inputs as scratch).
// Expected: rejected: the gate finds the inputs changed (and the re-run differs)
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/writes_inputs.cuh`.
//@@ replace
  store_output<Cfg>(acc_o, inv, row_lse, sQ, o, p.o_row_stride, lse, rows_valid, warp_row0, tid);
//@@ with
  store_output<Cfg>(acc_o, inv, row_lse, sQ, o, p.o_row_stride, lse, rows_valid, warp_row0, tid);
  // ADVERSARIAL: scribble on Q (this CTA's rows only: every CTA has read its Q tile by now).
  if (tid < rows_valid) const_cast<u16*>(q)[(long long)tid * p.q_row_stride] = 0;
//@@ end
