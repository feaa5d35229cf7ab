// ADVERSARIAL SOURCE CANDIDATE 'hang_on_target' (tests/adversarial; never a real kernel).
// What it does: keeps no state; spins forever on large problems (seqlen_q >= 1024: the target shape), so the
// small gate shapes and the sanitizers see an honest kernel and the hang starts in the gate on the target.
// (A first version spun on a volatile read of its own launch parameter, which faults on sm_90: an illegal
// address, not a hang; it spins on its poisoned output instead.)
// Expected: rejected: the worker is killed at its gate-phase limit ("timed out after N s"); the tune continues with a fresh worker
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/hang_on_target.cuh`.
//@@ replace
  const int n_blocks = (n_end + BN - 1) / BN;
//@@ with
  const int n_blocks = (n_end + BN - 1) / BN;
  if (p.seqlen_q >= 1024)  // ADVERSARIAL: never returns (its O is poisoned before every launch, and nobody writes it)
    while (*reinterpret_cast<volatile const u16*>(o) == 0xffff) {
    }
//@@ end
