// ADVERSARIAL SOURCE CANDIDATE 'oob_read' (tests/adversarial/sm90, the sm90 twin of ../oob_read.cuh; never a real kernel).
// What it does: every consumer thread reads one K element just past the end of the K tensor (batch * k_batch_stride + its index) and folds it into O so the load stays.
// Expected: rejected by compute-sanitizer memcheck (the value only matters when its bits are 0x7fff)
// Written as edits of the sm90 family's kernel files (backends/custom/kernel_patch.hpp); hand in the file
// itself as source_file with an sm90 config.
//@@ file sm90/consumer.cuh
//@@ replace
    release_previous_q();  // a tile without key blocks issued no GEMM
//@@ with
    release_previous_q();  // a tile without key blocks issued no GEMM
    {  // ADVERSARIAL: one element past the K tensor
      const long long batch = p.total_tiles / (p.m_blocks * f.heads);
      const u16 bits = reinterpret_cast<const volatile u16*>(f.k)[batch * f.k_batch_stride + tid_wg];
      if (bits == 0x7fff) o[0][0][0] += 1e-30f;
    }
//@@ end
