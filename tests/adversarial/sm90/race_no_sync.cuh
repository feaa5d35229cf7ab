// ADVERSARIAL SOURCE CANDIDATE 'race_no_sync' (tests/adversarial/sm90, the sm90 twin of ../race_no_sync.cuh; never a real kernel).
// What it does: the CTA barrier between the barrier initialisation (thread 0) and their first use by the producer and consumers is removed (non-cluster configs).
// Expected: rejected by compute-sanitizer racecheck / synccheck, a hang at the time limit, or the gate (fail-closed)
// Written as edits of the sm90 family's kernel files (backends/custom/kernel_patch.hpp); hand in the file
// itself as source_file with an sm90 config.
//@@ file sm90/flash_fwd_kernel.cuh
//@@ replace
  else __syncthreads();
//@@ with
  else {}  // ADVERSARIAL: no barrier after the mbarrier initialisation
//@@ end
