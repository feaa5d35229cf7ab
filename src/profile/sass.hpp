#pragma once
// SASS of a compiled cubin: disassembly (nvdisasm, or cuobjdump -sass), the instruction mix that matters
// for an attention kernel, and a hash of the code with addresses and encodings stripped (two configs with
// the same hash compiled to the same machine code).
#include <map>
#include <string>
#include <vector>

namespace attnlab::profile {

// Disassembles a cubin (bytes) with nvdisasm (found via $NVDISASM_PATH, $CUDA_HOME/bin, the pip wheel in
// .deps/, /usr/local/cuda/bin, PATH). UserError naming the fix when no disassembler is found or it fails.
std::string disassemble(const std::string& cubin);
// The disassembler that disassemble() would use; empty when there is none.
std::string find_disassembler();

// One category of the mix: counted when an instruction's opcode (with modifiers, "MUFU.EX2",
// "HGMMA.64x128x16.F32.BF16") starts with `prefix` followed by '.' or the end.
struct MixCategory {
  const char* name;    // column name, "HMMA"
  const char* prefix;  // "HMMA", "MUFU.EX2"
  const char* what;    // one line for the docs / --help
};
const std::vector<MixCategory>& mix_categories();

struct InstructionMix {
  std::map<std::string, int> by_category;  // every mix_categories() name, 0 when absent
  std::map<std::string, int> by_opcode;    // base opcode (before the first '.') -> count
  int total = 0;                           // instructions (NOPs included)
  int count(const std::string& category) const;
};

// Instruction lines of nvdisasm or cuobjdump -sass output: "/*0a40*/  @!P0 HMMA.16816.F32.BF16 R4, ... ;"
// -> "HMMA.16816.F32.BF16 R4, ... ;" (predicate kept, address and encoding dropped, spaces collapsed).
std::vector<std::string> instruction_lines(const std::string& sass);
InstructionMix count_instructions(const std::string& sass);
// Hash (32 hex digits) of instruction_lines(): equal for identical machine code, whatever the tool's
// address column or headers.
std::string normalized_sass_hash(const std::string& sass);

}  // namespace attnlab::profile
