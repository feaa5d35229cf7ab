// Output paths checked before a command works (src/io/output_path): what each kind accepts and refuses,
// and which spellings name one file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hostile_helpers.hpp"
#include "io/output_path.hpp"

namespace attnlab {

namespace fs = std::filesystem;

TEST(OutputPath, EachKindAcceptsWhatItCanWriteAndNothingElse) {
  test::TempDir dir;
  std::ofstream(dir.file("plain.txt")) << "x";
  fs::create_directory(dir.file("sub"));
  const auto ok = [](const std::string& p, OutputKind k) { return output_path_problem(p, k).empty(); };
  // file: the folder must exist
  EXPECT_TRUE(ok(dir.file("new.json"), OutputKind::file));
  EXPECT_TRUE(ok(dir.file("plain.txt"), OutputKind::file));  // overwritten, as asked
  EXPECT_TRUE(ok("/dev/null", OutputKind::file));
  EXPECT_NE(output_path_problem(dir.file("nope/x.json"), OutputKind::file).find("does not exist"), std::string::npos);
  EXPECT_NE(output_path_problem(dir.file("plain.txt/x.json"), OutputKind::file).find("is a file, not a folder"),
            std::string::npos);
  EXPECT_NE(output_path_problem(dir.file("sub"), OutputKind::file).find("is a folder"), std::string::npos);
  EXPECT_FALSE(ok("", OutputKind::file));
  // file_in_folders: missing folders are created, so only the nearest existing one matters
  EXPECT_TRUE(ok(dir.file("a/b/c.db"), OutputKind::file_in_folders));
  EXPECT_FALSE(ok(dir.file("plain.txt/b/c.db"), OutputKind::file_in_folders));
  EXPECT_FALSE(ok(dir.file("sub"), OutputKind::file_in_folders));
  // folder
  EXPECT_TRUE(ok(dir.file("sub"), OutputKind::folder));
  EXPECT_TRUE(ok(dir.file("a/b"), OutputKind::folder));
  EXPECT_NE(output_path_problem(dir.file("plain.txt"), OutputKind::folder).find("not a folder"), std::string::npos);
  EXPECT_FALSE(ok(dir.file("plain.txt/b"), OutputKind::folder));
  // Control bytes of a path never reach the terminal.
  EXPECT_EQ(output_path_problem(dir.file("\x1b[2J/x"), OutputKind::file).find('\x1b'), std::string::npos);
}

TEST(OutputPath, SameFileSeesThroughSpellingsAndLinks) {
  test::TempDir dir;
  fs::create_directory(dir.file("sub"));
  fs::create_directory_symlink(dir.file("sub"), dir.file("link"));
  std::ofstream(dir.file("sub/o.npy")) << "x";
  fs::create_hard_link(dir.file("sub/o.npy"), dir.file("hard.npy"));
  EXPECT_TRUE(same_file(dir.file("o.json"), dir.file("sub/../o.json")));  // neither exists yet
  EXPECT_TRUE(same_file(dir.file("sub/o.npy"), dir.file("link/o.npy")));
  EXPECT_TRUE(same_file(dir.file("sub/o.npy"), dir.file("hard.npy")));
  EXPECT_TRUE(same_file(dir.file("link/new.npy"), dir.file("sub/new.npy")));
  EXPECT_FALSE(same_file(dir.file("a.npy"), dir.file("b.npy")));
  EXPECT_FALSE(same_file("/dev/null", "/dev/null"));  // a device is no file to clobber
}

}  // namespace attnlab
