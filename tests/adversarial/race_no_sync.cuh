// ADVERSARIAL SOURCE CANDIDATE 'race_no_sync' (tests/adversarial; never a real kernel).
// What it does: drops the __syncthreads() between the K_j wait and its use: warps read shared K tiles other warps may still be loading (a data race).
// Expected: rejected by compute-sanitizer racecheck/synccheck (output checks may pass: the race is timing-dependent)
// Written as edits of kernels/sm80/flash_fwd_kernel.cuh (src/search/source_edits.hpp); the full
// candidate is `attnlab variant-source tests/adversarial/race_no_sync.cuh`.
//@@ replace
    cp_async_wait<2 * S - 3>();  // Q and K_j have landed
    __syncthreads();             // ... for every thread; and everyone is done with tile j-1's buffers
//@@ with
    cp_async_wait<2 * S - 3>();  // Q and K_j have landed (ADVERSARIAL: no barrier, a data race)
//@@ end
