#pragma once
// Helpers shared by subcommands: the arch, config names, output paths, and the parse-time checks of
// numeric flags. CLI11 runs a flag's checks while parsing, before any subcommand callback, so a bad value
// fails before the GPU, an input file, the database or an output is touched (one line, exit 2: see
// main.cpp); output paths are checked first thing in each subcommand's callback (check_outputs).
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "backends/custom/tile_config.hpp"
#include "core/problem.hpp"
#include "io/output_path.hpp"

namespace attnlab::cli {

// --family sm80|sm90 (empty: the arch's best family, sm90 on sm_90a).
void add_family_option(CLI::App* cmd, std::string& family);
Family resolve_family(const std::string& requested, const ArchLimits& limits);

// --configs values: each argument split by split_config_list (key=value items stay together).
std::vector<std::string> expand_config_args(const std::vector<std::string>& args);

// A --config style value: a parsed TileConfig, or a UserError naming the flag and the value. With a
// head dim, a config that no supported GPU runs for it (checked with sm_90a's limits, the largest) is
// refused too, before the device is known; the device's own limits are checked where it is used.
TileConfig parse_config_option(const std::string& flag, const std::string& text, int head_dim = 0);

// One output of a command: the flag that names it, the path ("" when not asked for), and what it is.
// A folder output lists the files the command writes into it as file_in_folders outputs of its flag.
struct OutputOption {
  std::string flag, path;
  OutputKind kind = OutputKind::file;
  bool always = false;  // written on every run (a required flag or one with a default): "" is an error
};
// A file a command reads: the flag (or argument) that names it and the path ("" when not given).
struct InputOption {
  std::string flag, path;
};
// Every output of one command, checked in the command's validation step, before the GPU, a compile, an
// input's data or any write: each one writable (output_path_problem), no two naming the same file, and
// none naming one of the command's inputs (same file by path or by inode: through symbolic and hard
// links), so no command can replace what it reads. UserError "--out 'x/o.npy': folder 'x' does not
// exist (...)" / "--out 'q.npy' is the input --q 'q.npy': ..." otherwise (exit 2, see main.cpp).
void check_outputs(const std::vector<OutputOption>& outputs, const std::vector<InputOption>& inputs = {});

// The given arch, or the current device's, or sm_90a when there is no device (for compile-only use).
std::string resolve_arch(const std::string& requested);

// An integer in [lo, hi] (each element of a list flag).
CLI::Validator count_in(int64_t lo, int64_t hi);
// A finite number of seconds, > 0 (or >= 0 with allow_zero: "0 = no limit").
CLI::Validator seconds(bool allow_zero = false);
// A softmax scale: a finite float > 0 that is not denormal (what the kernel multiplies by).
CLI::Validator softmax_scale();

// Limits shared by the flags of several subcommands (the kernel's grid and index limits are checked
// again, with the reason, by AttnProblem::validate).
using attnlab::kMaxSeqlen;
using attnlab::kMaxHeads;
inline constexpr int64_t kMaxCount = 1000000;  // budgets, populations, repeats, seeds per strategy

}  // namespace attnlab::cli
