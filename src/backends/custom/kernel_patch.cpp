#include "backends/custom/kernel_patch.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "runtime/include_policy.hpp"

namespace attnlab {

namespace {

struct Replacement {
  std::string find, with;
  int line = 0;  // of its //@@ replace
};

struct FileEdits {
  std::string path, header, prelude, whole;
  bool is_whole = false;
  int prelude_line = 0;
  std::vector<Replacement> replacements;
};

const EmbeddedFile* embedded(const std::string& path) {
  for (const auto& f : embedded_kernel_headers())
    if (f.path == path) return &f;
  return nullptr;
}

std::string first_line(const std::string& text) { return printable(text.substr(0, std::min(text.find('\n'), size_t(80)))); }

[[noreturn]] void fail(int line, const std::string& why) { throw UserError(fmt::format("source edits line {}: {}", line, why)); }

bool names_files(const std::string& edits) {
  std::istringstream in(edits);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("//@@ file ", 0) == 0 || line.rfind("//@@ whole ", 0) == 0) return true;
  return false;
}

// The blocks of `edits`, per file in the order first named.
std::vector<FileEdits> parse(const std::string& edits, const std::string& default_path, bool allow_files) {
  const bool strict = names_files(edits);
  if (strict && !allow_files) throw UserError("source edits: '//@@ file' and '//@@ whole' are not allowed here");
  std::vector<FileEdits> files;
  auto file = [&](const std::string& path, int line) -> FileEdits& {
    for (auto& f : files)
      if (f.path == path) return f;
    if (!embedded(path))
      fail(line, fmt::format("'{}' is not a kernel file (a path under kernels/, e.g. sm90/consumer.cuh)", printable(path)));
    files.push_back({path, {}, {}, {}, false, 0, {}});
    return files.back();
  };
  enum class Block { none, prelude, find, with, whole } block = Block::none;
  std::string current = default_path;
  Replacement rep;
  int n = 0, opened = 0;
  std::istringstream in(edits);
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.rfind("//@@ ", 0) != 0) {
      if (block == Block::none) {
        const size_t c = line.find_first_not_of(" \t\r");
        if (strict && c != std::string::npos && line.compare(c, 2, "//") != 0)
          fail(n, "code outside a //@@ block (only blank lines and // comments may stand there)");
        if (!strict) file(current, n).header += line + "\n";
      } else if (block == Block::prelude) {
        file(current, n).prelude += line + "\n";
      } else if (block == Block::whole) {
        file(current, n).whole += line + "\n";
      } else {
        (block == Block::find ? rep.find : rep.with) += line + "\n";
      }
      continue;
    }
    const std::string tag = line.substr(5);
    if (block == Block::none && (tag.rfind("file ", 0) == 0 || tag.rfind("whole ", 0) == 0)) {
      const bool whole = tag[0] == 'w';
      current = tag.substr(whole ? 6 : 5);
      FileEdits& f = file(current, n);
      if (f.is_whole || (whole && (!f.replacements.empty() || !f.prelude.empty())))
        fail(n, fmt::format("{} is replaced whole and edited; do one or the other", current));
      if (whole) f.is_whole = true, block = Block::whole, opened = n;
    } else if (tag == "prelude" && block == Block::none) {
      FileEdits& f = file(current, n);
      if (f.is_whole) fail(n, fmt::format("{} is replaced whole and edited; do one or the other", current));
      f.prelude_line = n, block = Block::prelude, opened = n;
    } else if (tag == "replace" && block == Block::none) {
      if (file(current, n).is_whole) fail(n, fmt::format("{} is replaced whole and edited; do one or the other", current));
      rep = {{}, {}, n}, block = Block::find, opened = n;
    } else if (tag == "with" && block == Block::find) {
      block = Block::with;
    } else if (tag == "end" && block == Block::with) {
      file(current, n).replacements.push_back(rep), block = Block::none;
    } else if (tag == "end" && (block == Block::prelude || block == Block::whole)) {
      block = Block::none;
    } else {
      fail(n, fmt::format("unexpected '{}'", printable(line.substr(0, 80))));
    }
  }
  if (block != Block::none) fail(opened, "this block is not closed by //@@ end");
  return files;
}

std::string apply(const FileEdits& f, const std::string& base) {
  if (f.is_whole) return f.whole;
  std::string result = base;
  for (const auto& r : f.replacements) {
    const size_t at = result.find(r.find);
    const size_t again = at == std::string::npos ? at : result.find(r.find, at + 1);
    if (r.find.empty()) fail(r.line, fmt::format("the replace block for {} is empty", f.path));
    if (at == std::string::npos || again != std::string::npos)
      fail(r.line, fmt::format("the replace block for {} matches {} times in that file (it must match exactly once): '{}'",
                               f.path, at == std::string::npos ? "0" : "several", first_line(r.find)));
    result.replace(at, r.find.size(), r.with);
  }
  if (!f.prelude.empty()) {
    const std::string ns = "namespace attnlab::" + f.path.substr(0, f.path.find('/')) + " {\n";
    const size_t at = result.find(ns);
    if (at == std::string::npos) fail(f.prelude_line, fmt::format("{} has no '{}' for the prelude", f.path, ns.substr(0, ns.size() - 1)));
    result.insert(at + ns.size(), f.prelude);
  }
  return f.header + result;
}

}  // namespace

bool is_edits_document(const std::string& source) {
  return source.rfind("//@@ ", 0) == 0 || source.find("\n//@@ ") != std::string::npos;
}

std::string apply_source_edits(const std::string& base, const std::string& edits, const std::string& path) {
  const auto files = parse(edits, path, false);
  if (files.empty()) return base;
  return apply(files.front(), base);
}

std::vector<EmbeddedFile> apply_kernel_edits(const std::string& edits) {
  std::vector<EmbeddedFile> out;
  for (const auto& f : parse(edits, kLegacyEditTarget, true)) out.push_back({f.path, apply(f, embedded(f.path)->text)});
  if (out.empty()) throw UserError("source edits: no //@@ block (nothing to patch)");
  return out;
}

void check_patch_family(const std::vector<EmbeddedFile>& files, const std::string& family) {
  for (const auto& f : files)
    if (f.path.rfind(family + "/", 0) != 0)
      throw UserError(fmt::format("source candidate patches {}, but its config is of family {} (it may patch only kernels/{}/ files)",
                                  f.path, family, family));
}

std::string patch_include_violation(const std::vector<EmbeddedFile>& files) {
  for (const auto& f : files)
    if (auto why = include_violation(f.text, [](const std::string& p) { return embedded(p) != nullptr; }); !why.empty())
      return f.path + ": " + why;
  return {};
}

}  // namespace attnlab
