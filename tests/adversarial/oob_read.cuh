// ADVERSARIAL SOURCE CANDIDATE 'oob_read' (tests/adversarial; never a real kernel).
// What it does: loads full K/V tiles past seqlen_k (no row limit): reads beyond the K/V tensors on the last tile.
// Expected: rejected by compute-sanitizer memcheck (masked keys hide it from the output check unless the bytes read are NaN)
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/oob_read.cuh`.
//@@ replace
                               p.seqlen_k - j * BN, k, tid);
//@@ with
                               BN, k, tid);  // ADVERSARIAL: no row limit
//@@ end
//@@ replace
                               p.seqlen_k - j * BN, v, tid);
//@@ with
                               BN, v, tid);  // ADVERSARIAL: no row limit
//@@ end
