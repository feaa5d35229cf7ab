// ADVERSARIAL SOURCE CANDIDATE 'sniff_o_only' (tests/adversarial; never a real kernel).
// What it does: the channel control: reads its own O tile like sniff_o and skips half the keys when it finds no poison, with no gamble. Every sample is poisoned, so it never finds an unpoisoned one and always computes.
// Expected: accepted (channel control): it never skips, so its TFLOP/s equals the honest control's; a higher number would mean the poison channel is open
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/sniff_o_only.cuh`.
//@@ replace
  const int n_blocks = (n_end + BN - 1) / BN;
//@@ with
  int n_blocks = (n_end + BN - 1) / BN;
  {  // ADVERSARIAL: a finite value in this CTA's first O element: nobody poisoned it, so nobody will compare it
    __shared__ bool skip;
    if (tid == 0) skip = *reinterpret_cast<volatile const u16*>(o) != 0xffff;
    __syncthreads();
    if (skip) n_blocks = (n_blocks + 1) / 2;  // half the keys
  }
//@@ end
