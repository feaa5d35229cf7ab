#pragma once
// Where a command will write, checked before it does any work: a bad output path is found in a
// millisecond instead of after an hour on the GPU, and nothing is written when it is wrong. Host-only.
#include <string>

namespace attnlab {

enum class OutputKind {
  file,             // a file in a folder that must already exist (a typo in the folder is an error)
  file_in_folders,  // a file whose missing folders the command creates (compare --out, tune --db)
  folder,           // a folder the command creates when missing and writes files into (tune --out-dir)
};

// Empty when `path` can be written as `kind`; otherwise one clause saying what is wrong and what to do,
// e.g. "folder 'out' does not exist (create it, or choose another path)". The path is not touched.
std::string output_path_problem(const std::string& path, OutputKind kind);

// True when a and b name the same file, whether they exist or not (relative / absolute spellings,
// '..', symbolic links of existing folders, hard links of existing files). A device such as /dev/null
// is not a file two outputs could clobber: false for it.
bool same_file(const std::string& a, const std::string& b);

}  // namespace attnlab
