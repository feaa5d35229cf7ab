// Hostile input, round 2 (issue 18), rows 4, 7, 8, 9 and 24: attnlab report on evidence folders made to
// break it: a file named like a URL scheme, JSON nested 60,000 deep, numbers at the ends of the double
// range, labels of 30 kB, links out of the folder, head dims of 1e300. Each renders in seconds, with a
// warning where something was left out, and a seeded fuzz of the report readers (deep nesting, extreme
// numbers, long strings) keeps it that way. The CLI runs are bounded (run_process with a timeout), so a
// regression fails instead of hanging.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include <nlohmann/json.hpp>

#include "core/process.hpp"
#include "hostile_helpers.hpp"
#include "report/chart_axis.hpp"
#include "report/report_page.hpp"
#include "report/svg_text.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace attnlab {
namespace {

using test::slurp;
using test::TempDir;

// A compare.json with one backend over three sequence lengths and the measured ceilings.
json compare_doc(const std::string& backend, double tflops, double ceiling, double head_dim = 128) {
  json results = json::array();
  for (const char* b : {"cudnn", "custom"})
    for (int s : {1024, 4096, 16384}) {
      const std::string name = std::string(b) == "custom" ? backend : b;
      results.push_back({{"backend", name}, {"describe", name}, {"kind", "attention"}, {"status", "ok"},
                         {"tflops", std::string(b) == "custom" ? tflops : 500.0},
                         {"problem", {{"head_dim", head_dim}, {"seqlen_k", s}, {"seqlen_q", s}, {"causal", false}, {"dtype", "bf16"}}}});
    }
  return {{"schema", "attnlab.compare/1"}, {"grid", {{"dtype", "bf16"}}},
          {"ceilings", {{"bf16_tflops", ceiling}, {"copy_gbps", 3000.0}}}, {"results", results}};
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

struct Rendered {
  ProcessResult run;
  std::string html;
};

// `attnlab report DIR --out DIR/report.html`, killed after `limit_s` and held to 8 GB of address space
// (the endless tick loop of row 8 grew by 350 MB/s).
Rendered render(const fs::path& dir, double limit_s = 60) {
  ProcessOptions po;
  po.timeout_s = limit_s;
  const std::string cmd = "ulimit -v 8000000; exec \"$0\" report \"$1\" --out \"$1/report.html\"";
  Rendered r{run_process({"/bin/sh", "-c", cmd, test::cli_binary(), dir.string()}, po), ""};
  if (fs::exists(dir / "report.html")) r.html = slurp((dir / "report.html").string());
  return r;
}
}  // namespace

// Row 4: a file name is a relative link ("./" + percent-encoded), never a scheme.
TEST(HostileReport, FileNamesAreRelativeLinksNeverASchemes) {
  TempDir dir;
  write(dir.path / "javascript:alert(document.domain)", "x");
  write(dir.path / "data:text/html,<script>alert(1)</script>" / "f", "x");
  write(dir.path / "ok.txt", "x");
  const auto r = render(dir.path);
  ASSERT_EQ(r.run.exit_code, 0) << r.run.out << r.run.err;
  const std::regex href("href=\"([^\"]*)\"");
  int links = 0;
  for (auto it = std::sregex_iterator(r.html.begin(), r.html.end(), href); it != std::sregex_iterator(); ++it) {
    const std::string h = (*it)[1];
    if (h.starts_with("#")) continue;
    ++links;
    EXPECT_TRUE(h.starts_with("./")) << h;
    EXPECT_EQ(h.find(':'), std::string::npos) << h;
  }
  EXPECT_GE(links, 3);
  EXPECT_NE(r.html.find("href=\"./javascript%3Aalert%28document.domain%29\""), std::string::npos);
  EXPECT_EQ(r.html.find("<script"), std::string::npos);  // the other payloads stay escaped
}

// Row 7: JSON nested 60,000 deep is a warning, not a stack overflow.
TEST(HostileReport, DeepNestingIsAWarningNotACrash) {
  TempDir dir;
  write(dir.path / "env.json", "{\"gpu\": " + std::string(60000, '[') + std::string(60000, ']') + "}");
  write(dir.path / "compare.json", "{\"results\": [], \"environment\": " + std::string(60000, '{') + "}");
  const auto r = render(dir.path);
  EXPECT_EQ(r.run.exit_code, 0) << r.run.err;
  EXPECT_NE(r.run.err.find("could not read env.json: nested deeper than 128 levels"), std::string::npos) << r.run.err;
  EXPECT_NE(r.html.find("</html>"), std::string::npos);
}

// Row 8: 1.7e308 and 5e-324 (profile summary, ceilings) give finite axes, quickly, and are flagged.
TEST(HostileReport, ExtremeNumbersGiveFiniteAxesAndAreFlagged) {
  TempDir dir;
  write(dir.path / "compare.json", compare_doc("custom", 1.7e308, 1.7e308).dump());
  json kernels = json::array();
  for (double ai : {5e-324, 1.7e308, 2048.0})
    kernels.push_back({{"kernel", "k"}, {"backend", "custom"}, {"tflops", 1.7e308}, {"arithmetic_intensity", ai}, {"verdict", "v"}});
  write(dir.path / "profile" / "summary.json", json{{"kernels", kernels}}.dump());
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = render(dir.path, 30);
  EXPECT_FALSE(r.run.timed_out) << "the report did not finish in 30 s";
  EXPECT_EQ(r.run.exit_code, 0) << r.run.err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_LT(r.html.size(), size_t(4) << 20);
  EXPECT_NE(r.html.find("out of the plottable range, not drawn"), std::string::npos);
  const std::regex non_finite(R"re((x|y|x1|x2|y1|y2|cx|cy|width|height|points|transform)="[^"]*(inf|nan))re");
  EXPECT_FALSE(std::regex_search(r.html, non_finite));
  // The axis itself: finite, ordered, a bounded number of ticks.
  report::Axis a{"x", report::Scale::log10};
  EXPECT_EQ(report::finalize_axis(a, {5e-324, 1.7e308, 10, 100}), 2);
  EXPECT_TRUE(std::isfinite(a.lo) && std::isfinite(a.hi) && a.lo > 0 && a.hi > a.lo);
  EXPECT_LE(report::axis_ticks(a).size(), size_t(report::kMaxTicks) + 1);
  report::Axis fixed{"y"};
  fixed.fixed = true, fixed.lo = -1.7e308, fixed.hi = 1.7e308;
  report::finalize_axis(fixed, {});
  EXPECT_LE(report::axis_ticks(fixed).size(), size_t(report::kMaxTicks) + 1);
}

// Row 9: a 30 kB label costs what it weighs (linear layout) and is cut with an ellipsis.
TEST(HostileReport, LongLabelsAreLinearAndTruncated) {
  TempDir dir;
  const std::string label(30000, 'W'), words = [] {
    std::string s;
    for (int i = 0; i < 6000; ++i) s += "word ";
    return s;
  }();
  write(dir.path / "compare.json", compare_doc(label, 300, 700).dump());
  write(dir.path / ("micro_best_" + words.substr(0, 200) + ".json"), "{}");
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = render(dir.path, 60);
  EXPECT_FALSE(r.run.timed_out);
  EXPECT_EQ(r.run.exit_code, 0) << r.run.err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_NE(r.html.find("WWW…"), std::string::npos);
  // The text functions on their own: linear in the text (a quadratic one takes seconds here).
  const auto t1 = std::chrono::steady_clock::now();
  const std::string cut = report::abbreviate(std::string(100000, 'W'), 300, 11);
  const auto lines = report::wrap_text(words + words, 300, 11);
  EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::seconds(1));
  EXPECT_TRUE(cut.ends_with("…"));
  EXPECT_LE(report::text_width(cut, 11), 300);
  EXPECT_GT(lines.size(), 100u);
  for (auto& l : lines) EXPECT_LE(report::text_width(l, 11), 300) << l;
}

// Row 24: links out of the folder are neither read nor linked; a head dim of 1e300 is not -2147483648;
// names that are not UTF-8 still make a well-formed page.
TEST(HostileReport, LinksOutOfTheFolderAndOutOfRangeNumbers) {
  TempDir dir, outside;
  write(outside.path / "secret.json", R"({"gpu": {"name": "SECRET-GPU"}})");
  write(dir.path / "compare.json", compare_doc("custom", 300, 700, 1e300).dump());
  fs::create_symlink(outside.path / "secret.json", dir.path / "env.json");
  write(dir.path / "inside.txt", "x");
  fs::create_symlink("inside.txt", dir.path / "inside-link.txt");
  write(dir.path / "caf\xe9.txt", "x");
  const auto r = render(dir.path);
  ASSERT_EQ(r.run.exit_code, 0) << r.run.err;
  EXPECT_EQ(r.html.find("SECRET-GPU"), std::string::npos);
  EXPECT_EQ(r.html.find("href=\"./env.json\""), std::string::npos);
  EXPECT_NE(r.html.find("href=\"./inside-link.txt\""), std::string::npos);
  EXPECT_NE(r.run.err.find("env.json: a symbolic link out of the evidence folder"), std::string::npos) << r.run.err;
  EXPECT_EQ(r.html.find("-2147483648"), std::string::npos);
  EXPECT_NE(r.run.err.find("head_dim: 1e+300 is not an integer"), std::string::npos) << r.run.err;
  EXPECT_NE(r.html.find("caf\xEF\xBF\xBD.txt"), std::string::npos);  // U+FFFD for the Latin-1 byte
}

// ---------------------------------------------------------------- seeded fuzz of the report readers
namespace {
// One hostile edit of a JSON text: a number at the end of the range, a string of 20 kB, a value wrapped
// 2,000 or 100,000 levels deep, or a random byte edit (test::mutate).
std::string hostile_edit(std::string s, std::mt19937_64& rng) {
  static const char* kNumbers[] = {"1.7e308", "-1.7e308", "5e-324", "1e999", "-0", "1e300", "2147483648", "-9223372036854775809"};
  std::vector<size_t> digits, quotes;
  for (size_t i = 0; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) && (i == 0 || !std::isalnum(static_cast<unsigned char>(s[i - 1]))))
      digits.push_back(i);
    if (s[i] == '"') quotes.push_back(i);
  }
  switch (rng() % 4) {
    case 0:
      if (!digits.empty()) {
        const size_t at = digits[rng() % digits.size()];
        size_t end = at;
        while (end < s.size() && std::strchr("0123456789.eE+-", s[end])) ++end;
        return s.replace(at, end - at, kNumbers[rng() % std::size(kNumbers)]);
      }
      break;
    case 1:
      if (!quotes.empty()) return s.insert(quotes[rng() % quotes.size()] + 1, std::string(20000, "Wi "[rng() % 3]));
      break;
    case 2:
      if (!digits.empty()) {
        const size_t at = digits[rng() % digits.size()];
        const size_t depth = rng() % 2 ? 2000 : 100000;  // 100,000: deep enough to overflow a recursive reader
        return s.insert(at + 1, std::string(depth, ']')).insert(at, std::string(depth, '['));
      }
      break;
    default: break;
  }
  return test::mutate(s, rng);
}
}  // namespace

TEST(HostileFuzz, ReportReadersOnlyWarn) {
  std::mt19937_64 rng(20261204);
  const fs::path fixture = fs::path(ATTNLAB_SOURCE_DIR) / "tests/fixtures/evidence";
  std::vector<std::pair<std::string, std::string>> files;  // path in the folder, text
  for (auto& e : fs::recursive_directory_iterator(fixture))
    if (e.is_regular_file()) files.emplace_back(e.path().lexically_relative(fixture).generic_string(), slurp(e.path().string()));
  files.emplace_back("env.json", compare_doc("custom", 300, 700)["grid"].dump());
  TempDir dir;
  const auto t0 = std::chrono::steady_clock::now();
  int rendered = 0;
  for (int i = 0; i < 60 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60); ++i) {
    fs::remove_all(dir.path / "ev");
    for (auto& [rel, text] : files) write(dir.path / "ev" / rel, rng() % 3 ? hostile_edit(text, rng) : text);
    const auto t = std::chrono::steady_clock::now();
    try {
      const auto e = report::load_evidence((dir.path / "ev").string());
      const std::string html = report::render_report(e, "");
      EXPECT_NE(html.find("</html>"), std::string::npos);
      ++rendered;
    } catch (const std::exception& ex) {
      ADD_FAILURE() << "iteration " << i << ": " << ex.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t, std::chrono::seconds(10)) << "iteration " << i;
  }
  EXPECT_GE(rendered, 20);
}

}  // namespace attnlab
