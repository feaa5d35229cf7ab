// ADVERSARIAL SOURCE CANDIDATE 'hang_on_target' (tests/adversarial/sm90, the sm90 twin of ../hang_on_target.cuh; never a real kernel).
// What it does: keeps no state; on large problems (seqlen_q >= 1024: the target shape) the consumers spin on their own poisoned output, so the small gate shapes and the sanitizers see an honest kernel and the hang starts in the gate on the target.
// Expected: rejected: the worker is killed at its gate-phase limit ("timed out after N s"); the tune continues with a fresh worker
// Written as edits of the sm90 family's kernel files (backends/custom/kernel_patch.hpp); hand in the file
// itself as source_file with an sm90 config.
//@@ file sm90/consumer.cuh
//@@ replace
    const int n_blocks = kv_blocks<Cfg>(f, t.m_block);
//@@ with
    const int n_blocks = kv_blocks<Cfg>(f, t.m_block);
    if (f.seqlen_q >= 1024)  // ADVERSARIAL: never returns (O is poisoned before every launch, and nobody writes it)
      while (*reinterpret_cast<volatile const u16*>(f.o) == 0xffff) {
      }
//@@ end
