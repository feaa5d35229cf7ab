# The layers of attnlab's library, bottom up: which sources each holds (globs under src/) and which layers it
# may use directly (a layer may use what those use, transitively). CMakeLists.txt builds one static library
# per layer with exactly these link dependencies, and tests/core/test_layers.cpp checks every #include in
# src/ against the same table (written to the build folder as layers.txt), so a header cannot reach upwards.
# base and families need no GPU library; report and store stay host-only; runtime + launch + families is what
# a packaged kernel needs (no NVRTC, cuDNN or SQLite): flashrt (the exported library's checks and config choice,
# host-only, also used by `attnlab export`) and flashlib (its C API and dlopen driver) are compiled with them into
# the PIC archive libattnlab_flash_rt.a that `attnlab export` links each exported library from; flashlib is in no
# attnlab binary (it defines the driver entry points that runtime/driver_entry_cudart.cpp defines for attnlab).
# mpi is not a static library: it is the plugin libattnlab_mpi.so (built only with an MPI, loaded by
# search/mpi_link.cpp for --mpi), and only it links MPI.
set(ATTNLAB_LAYERS base families store report runtime nvrtc launch flashrt flashlib check backends measure search mpi profile
    evidence export cli)
set(LAYER_base_GLOBS core/* io/*)
set(LAYER_base_DEPS)
set(LAYER_families_GLOBS backends/custom/tile_config.* backends/custom/family.hpp backends/custom/family_registry.*
    backends/custom/family_sm80.* backends/custom/family_sm90.* backends/custom/sm80_knobs.* backends/custom/sm90_knobs.*
    backends/custom/dispatch_table.*)
set(LAYER_families_DEPS base)
set(LAYER_store_GLOBS store/*)
set(LAYER_store_DEPS families)
set(LAYER_report_GLOBS report/*)
set(LAYER_report_DEPS store)
set(LAYER_runtime_GLOBS runtime/cuda_check.* runtime/device.* runtime/device_buffer.* runtime/driver_api.* runtime/driver_entry*
    runtime/module.*
    runtime/cubin.* runtime/hash.*)
set(LAYER_runtime_DEPS base)
set(LAYER_nvrtc_GLOBS runtime/nvrtc_compiler.* runtime/kernel_cache.* runtime/include_policy.* runtime/cubin_state.*
    runtime/embedded_kernels.*)
set(LAYER_nvrtc_DEPS runtime)
set(LAYER_launch_GLOBS backends/custom/family_launch.* backends/custom/family_launch_registry.* backends/custom/*_launch.cpp
    backends/custom/flash_params.* backends/custom/sm90_params.*)
set(LAYER_launch_DEPS families runtime)
set(LAYER_flashrt_GLOBS export/runtime/*)
set(LAYER_flashrt_DEPS launch)
set(LAYER_flashlib_GLOBS export/library/*)
set(LAYER_flashlib_DEPS flashrt)
set(LAYER_check_GLOBS check/*)
set(LAYER_check_DEPS launch nvrtc)
set(LAYER_backends_GLOBS backends/* backends/custom/* backends/cudnn/* backends/gemm/* backends/cutlass/* backends/unfused/*)
set(LAYER_backends_DEPS check)
set(LAYER_measure_GLOBS measure/*)
set(LAYER_measure_DEPS backends)
set(LAYER_search_GLOBS search/* search/strategies/*)
set(LAYER_search_DEPS measure store)
set(LAYER_mpi_GLOBS mpi/*)
set(LAYER_mpi_DEPS search)
set(LAYER_profile_GLOBS profile/*)
set(LAYER_profile_DEPS search)
set(LAYER_evidence_GLOBS evidence/*)
set(LAYER_evidence_DEPS report runtime)
set(LAYER_export_GLOBS export/*)
set(LAYER_export_DEPS flashrt measure evidence)
set(LAYER_cli_GLOBS cli/*)
set(LAYER_cli_DEPS profile evidence export)
