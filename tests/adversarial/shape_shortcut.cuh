// ADVERSARIAL SOURCE CANDIDATE 'shape_shortcut' (tests/adversarial; never a real kernel).
// What it does: on sequence lengths that are multiples of 512 and >= 1024 (benchmark shapes, never the gate's tails) it skips the second half of the keys.
// Expected: rejected: the gate checks the target shape itself
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/shape_shortcut.cuh`.
//@@ replace
  const int n_blocks = (n_end + BN - 1) / BN;
//@@ with
  int n_blocks = (n_end + BN - 1) / BN;
  if (p.seqlen_k >= 1024 && p.seqlen_k % 512 == 0) n_blocks = (n_blocks + 1) / 2;  // ADVERSARIAL
//@@ end
