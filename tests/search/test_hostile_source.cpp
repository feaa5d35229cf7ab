// Issue 9, item 8: a proposer's source candidate cannot #include host files (include policy, no NVRTC
// include directory, capped log), and a seeded mutation fuzz of the parsers that take outside input.
#include <gtest/gtest.h>
#include <algorithm>
#include <random>
#include <typeinfo>

#include "backends/custom/flash_kernel.hpp"
#include "runtime/include_policy.hpp"
#include "runtime/nvrtc_compiler.hpp"
#include "search/microbench.hpp"
#include "search/proposer.hpp"
#include "search/source_candidate.hpp"
#include "io/npy.hpp"
#include "hostile_helpers.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace attnlab {
namespace {

using test::npy_bytes;
using test::slurp;
using test::snapshot;
using test::TempDir;
using test::user_error_of;

// ---------------------------------------------------------------- 8. source candidates and host files
TEST(HostileSource, IncludeScanFindsEveryDisguise) {
  const auto embedded = [](const std::string& p) { return p == "sm80/mainloop.cuh"; };
  EXPECT_EQ(include_violation("#include \"sm80/mainloop.cuh\"\nint x;\n", embedded), "");
  for (const char* src : {
           "#include \"/etc/passwd\"\n",
           "#include </etc/passwd>\n",
           "  #  include \"../../../etc/passwd\"\n",
           "#include \"sm80/../../etc/passwd\"\n",
           "#inc\\\nlude \"/etc/passwd\"\n",
           "#include \"/etc/pa\\\nsswd\"\n",
           "%:include \"/etc/passwd\"\n",
           "?\?=include \"/etc/passwd\"\n",
           "/* c */ # /* c */ include /* c */ \"/etc/passwd\"\n",
           "#define P \"/etc/passwd\"\n#include P\n",
           "#define Q(x) #x\n#include Q(/etc/passwd)\n",
           "#include_next \"/etc/passwd\"\n",
           "#embed \"/etc/passwd\"\n",
           "const char* s = R\"x( \" /* )x\";\n#include \"/etc/passwd\"\n// */\n",
           "#if __has_include(\"/etc/passwd\")\n#endif\n",
           "#include \"helper.cuh\"\n",  // not embedded, and not inlined from a folder
       })
    EXPECT_NE(include_violation(src, embedded), "") << src;
}

TEST(HostileSource, UntrustedSourcesGetNoIncludeDirectoryAndACappedLog) {
  CompileRequest req{"cand", "int x;\n", "sm_80", {"-I/etc", "--include-path=/"}};
  req.untrusted = true;
  const auto opts = nvrtc_options(req);
  EXPECT_NE(std::find(opts.begin(), opts.end(), "--no-source-include"), opts.end());
  for (auto& o : opts) EXPECT_FALSE(o.starts_with("-I") || o.starts_with("--include-path")) << o;
  req.untrusted = false;
  EXPECT_NE(nvrtc_options(req), opts);  // and the cache key tells them apart
  // 300 errors' worth of log is cut to the limit before it can reach the database or the proposer.
  std::string bad;
  for (int i = 0; i < 300; ++i) bad += "__global__ void k" + std::to_string(i) + "() { undefined_symbol_" + std::to_string(i) + "(); }\n";
  CompileRequest noisy{"noisy", bad, "sm_80", {}};
  noisy.untrusted = true;
  try {
    compile(noisy);
    FAIL() << "compiled";
  } catch (const CompileError& e) {
    EXPECT_LE(e.log().size(), kUntrustedLogLimit + 32) << e.log().size();
    EXPECT_NE(e.log().find("undefined_symbol_0"), std::string::npos);
  }
}

TEST(HostileSource, CandidateIncludingEtcPasswdIsRefusedWithoutItsContents) {
  TempDir dir;
  const std::string secret = "attnlab-hostile-secret-line";
  std::ofstream(dir.file("secret.txt")) << secret << "\n";
  std::ofstream(dir.file("cand.cuh")) << "#include \"/etc/passwd\"\n#include \"" << dir.file("secret.txt") << "\"\n";
  const std::string text = read_source_file(dir.file("cand.cuh"));
  EXPECT_EQ(text.find(secret), std::string::npos);
  const auto cfg = TileConfig::parse("m128n64w8s2-swz-qsm");
  try {
    compile_flash(cfg, DType::bf16, 128, "sm_90a", FlashVariant::full, text);
    FAIL() << "a candidate including /etc/passwd compiled";
  } catch (const CompileError& e) {
    const std::string all = std::string(e.what()) + e.log();
    EXPECT_NE(all.find("refused before compiling"), std::string::npos) << all;
    EXPECT_NE(all.find("absolute paths are not allowed"), std::string::npos) << all;
    EXPECT_EQ(all.find("root:"), std::string::npos) << all;  // no line of /etc/passwd
    EXPECT_EQ(all.find(secret), std::string::npos) << all;
  }
}

TEST(HostileSource, LocalIncludesAreInlinedAndEscapesAreNot) {
  TempDir dir;
  fs::create_directories(dir.path / "cand" / "parts");
  std::ofstream(dir.path / "cand" / "parts" / "helper.cuh") << "// HELPER BODY\n#include \"sm80/mainloop.cuh\"\n";
  std::ofstream(dir.path / "outside.cuh") << "// OUTSIDE BODY\n";
  fs::create_symlink("/etc/passwd", dir.path / "cand" / "link.cuh");
  std::ofstream(dir.path / "cand" / "k.cuh") << "#include \"parts/helper.cuh\"\n#include \"parts/helper.cuh\"\n"
                                             << "#include \"../outside.cuh\"\n#include \"link.cuh\"\n";
  std::string text;
  try {
    text = read_source_file((dir.path / "cand" / "k.cuh").string());
  } catch (const UserError& e) {
    text = e.what();  // the symlink may be refused outright: also fine, as long as nothing leaks
  }
  EXPECT_EQ(text.find("root:"), std::string::npos) << text;
  EXPECT_EQ(text.find("OUTSIDE BODY"), std::string::npos) << text;
  if (text.find("HELPER BODY") != std::string::npos) {
    EXPECT_EQ(text.find("HELPER BODY"), text.rfind("HELPER BODY")) << "inlined once";
    EXPECT_NE(include_violation(text, [](const std::string& p) { return p == "sm80/mainloop.cuh"; }), "")
        << "the escapes stay and are refused at compile time";
  }
  EXPECT_THROW(read_source_file("/dev/zero"), UserError);
}

// ---------------------------------------------------------------- seeded mutation fuzzing (bounded, CI)
// Random byte edits of valid inputs (test::mutate): each parser either accepts or throws UserError.
using test::mutate;

TEST(HostileFuzz, ParsersOnlyAcceptOrRaiseUserErrors) {
  std::mt19937_64 rng(20261126);
  TempDir dir;
  const std::string npy = npy_bytes("(2, 3, 4)", 48);
  const std::string micro = R"({"schema": "attnlab.micro/1", "top_k": [{"config": "m128n64w4s2-swz-qsm", "tflops": 1}]})";
  const std::string proposal = R"({"candidates": [{"config": "m128n64w4s2-swz-qsm", "note": "x"}, {"config": "m64n64w4s2-swz-qsm"}]})";
  const std::string source = "#include \"sm80/mainloop.cuh\"\n/* c */ #define X 1\nint y = X;\n";
  const auto only_user_errors = [](const char* what, const std::string& input, auto&& f) {
    try {
      f();
    } catch (const UserError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << ": " << typeid(e).name() << " " << e.what() << " on " << testing::PrintToString(input);
    }
  };
  for (int i = 0; i < 1500; ++i) {
    const std::string n = mutate(npy, rng), m = mutate(micro, rng), p = mutate(proposal, rng), s = mutate(source, rng);
    std::ofstream(dir.file("f.npy"), std::ios::binary | std::ios::trunc) << n;
    only_user_errors("read_npy", n, [&] { read_npy(dir.file("f.npy")); });
    std::ofstream(dir.file("m.json"), std::ios::trunc) << m;
    only_user_errors("read_micro_best", m, [&] { read_micro_best(dir.file("m.json")); });
    only_user_errors("parse_proposer_response", p, [&] { parse_proposer_response(p); });
    only_user_errors("include_violation", s, [&] { include_violation(s, [](const std::string&) { return true; }); });
  }
}

}  // namespace
}  // namespace attnlab
