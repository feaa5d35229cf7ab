// ADVERSARIAL SOURCE CANDIDATE 'shape_shortcut' (tests/adversarial/sm90, the sm90 twin of ../shape_shortcut.cuh; never a real kernel).
// What it does: on key lengths that are multiples of 512 and >= 1024 (benchmark shapes, never the gate's tails) the consumers skip the second half of the keys (the producer still loads them: the ring stays in step only for the kept half, so it may also hang).
// Expected: rejected: the gate checks the target shape itself (or its time limit)
// Written as edits of the sm90 family's kernel files (backends/custom/kernel_patch.hpp); hand in the file
// itself as source_file with an sm90 config.
//@@ file sm90/consumer.cuh
//@@ replace
    const int n_blocks = kv_blocks<Cfg>(f, t.m_block);
//@@ with
    int n_blocks = kv_blocks<Cfg>(f, t.m_block);
    if (f.seqlen_k >= 1024 && f.seqlen_k % 512 == 0) n_blocks = (n_blocks + 1) / 2;  // ADVERSARIAL
//@@ end
