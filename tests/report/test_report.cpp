// attnlab report without a browser: the chart primitives, the evidence reader, and the rendered page of the
// committed fixture (tests/fixtures/evidence, trimmed from evidence/h100) checked as XML: every <svg> parses,
// the expected charts are there, nothing points outside the page.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <unistd.h>

#include "report/chart_axis.hpp"
#include "report/evidence_set.hpp"
#include "report/heat_map.hpp"
#include "report/report_page.hpp"
#include "report/svg_text.hpp"
#include "test_helpers.hpp"

#ifdef ATTNLAB_HAVE_LIBXML2
#include <libxml/parser.h>
#include <libxml/tree.h>
#endif

namespace attnlab::report {

namespace fs = std::filesystem;

namespace {
const std::string kFixture = std::string(ATTNLAB_SOURCE_DIR) + "/tests/fixtures/evidence";

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST(SvgText, WidthWrapAbbreviate) {
  EXPECT_GT(text_width("WWW", 12), text_width("iii", 12));
  EXPECT_NEAR(text_width("abc", 10), 3 * 0.66 * 10, 1e-9);
  EXPECT_GT(text_width("abc", 10, true), text_width("abc", 10));
  EXPECT_NEAR(text_width("ρ", 10), 0.66 * 10, 1e-9);  // one glyph, two bytes
  for (auto& line : wrap_text("d=128 non-causal, bf16 — TFLOP/s by backend and a long tail", 120, 12))
    EXPECT_LE(text_width(line, 12), 120) << line;
  const auto a = abbreviate("m256n64w8s2-swz-qsm-long-name", 60, 11);
  EXPECT_LE(text_width(a, 11), 60);
  EXPECT_NE(a.find("…"), std::string::npos);
  EXPECT_EQ(abbreviate("ok", 60, 11), "ok");
  EXPECT_EQ(xml_escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
  EXPECT_EQ(format_number(16384, true), "16k");
  EXPECT_EQ(format_number(512, true), "512");
  EXPECT_EQ(format_number(0.5), "0.5");
  EXPECT_EQ(format_number(690.9), "691");
}

TEST(ChartAxis, Log2TicksArePowersOfTwoAndLinearTicksAreNice) {
  Axis x{"S", Scale::log2};
  finalize_axis(x, {512, 1000, 16384});
  EXPECT_EQ(x.lo, 512);
  EXPECT_EQ(x.hi, 16384);
  const auto t = axis_ticks(x);
  ASSERT_EQ(t.size(), 6u);
  for (size_t i = 1; i < t.size(); ++i) EXPECT_EQ(t[i], 2 * t[i - 1]);
  EXPECT_NEAR(axis_map(x, 2048, 0, 100), 40, 1e-9);
  Axis y{"TFLOP/s"};
  finalize_axis(y, {37, 512, 690});
  EXPECT_EQ(y.lo, 0);
  EXPECT_GE(y.hi, 690);
  for (double v : axis_ticks(y)) EXPECT_EQ(std::fmod(v, 100), 0) << v;
  Axis none{"nothing", Scale::log10};
  finalize_axis(none, {});
  EXPECT_LT(none.lo, none.hi);
}

TEST(HeatMap, DivergesAtTheCentre) {
  EXPECT_EQ(heat_colour(1.0, 1.0, 2), "#f7f7f7");
  EXPECT_EQ(heat_colour(4.0, 1.0, 2), "#0072b2");    // saturated above: blue
  EXPECT_EQ(heat_colour(0.1, 1.0, 2), "#d55e00");    // saturated below: vermillion
  EXPECT_NE(heat_colour(0.9, 1.0, 2), heat_colour(1.1, 1.0, 2));
}

TEST(EvidenceSet, SpearmanAndRanks) {
  EXPECT_EQ(ranks({10, 30, 20}), (std::vector<double>{3, 1, 2}));
  EXPECT_EQ(ranks({5, 5, 1}), (std::vector<double>{1.5, 1.5, 3}));
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0, 1e-12);
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {40, 30, 20, 10}), -1.0, 1e-12);
}

TEST(EvidenceSet, ReadsTheFixture) {
  const auto e = load_evidence(kFixture);
  EXPECT_TRUE(e.warnings.empty()) << e.warnings.front();
  EXPECT_TRUE(e.compare.missing.empty());
  EXPECT_EQ(e.compare.rows.size(), 72u);
  EXPECT_NEAR(e.compare.ceiling_tflops, 690.9, 0.1);
  ASSERT_EQ(e.micro.size(), 1u);
  EXPECT_EQ(e.micro[0].configs.size(), 54u);
  // the recorded correlation is the one the pairs give
  EXPECT_NEAR(spearman(e.micro[0].micro_tflops, e.micro[0].full_tflops), e.micro[0].spearman, 1e-6);
  ASSERT_EQ(e.tune.curves.size(), 4u);  // random, genetic, seeded replay + the seeded GPU run
  EXPECT_EQ(e.tune.curves[0].best_so_far.size(), 64u);
  for (auto& c : e.tune.curves)
    EXPECT_TRUE(std::is_sorted(c.best_so_far.begin(), c.best_so_far.end())) << c.name;
  EXPECT_EQ(e.profiles.size(), 5u);
  EXPECT_EQ(e.check.total, 48);
  EXPECT_EQ(e.check.passed, 48);
  EXPECT_EQ(e.environment.at("gpu").at("name"), "NVIDIA H100 80GB HBM3");
}

// The file `attnlab profile` writes (a real H100 run, trimmed to six counters) is read as one roofline point.
TEST(EvidenceSet, ReadsAnAttnlabProfileRun) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / fmt::format("profile-run-{}", ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "profile" / "cudnn");
  std::filesystem::copy_file(std::string(ATTNLAB_SOURCE_DIR) + "/tests/fixtures/profile_run_cudnn_h100.json",
                             dir / "profile" / "cudnn" / "profile_cudnn.json");
  const auto e = load_evidence(dir.string());
  ASSERT_EQ(e.profiles.size(), 1u) << (e.warnings.empty() ? "" : e.warnings.front());
  EXPECT_EQ(e.profiles[0].backend, "cudnn");
  EXPECT_EQ(e.profiles[0].kernel.rfind("cudnn_generated_fort_native_sdpa_sm90", 0), 0u) << e.profiles[0].kernel;
  EXPECT_NEAR(e.profiles[0].tflops, 672.7, 0.1);
  EXPECT_NEAR(e.profiles[0].arithmetic_intensity, 2096, 1);
  EXPECT_EQ(e.profiles[0].verdict.rfind("tensor-pipe-bound", 0), 0u) << e.profiles[0].verdict;
  EXPECT_NEAR(e.profiles[0].metrics.at("tensor_pipe_pct").get<double>(), 75.5, 0.1);
  std::filesystem::remove_all(dir);
}

TEST(ReportPage, CampaignSectionShowsEveryBucketAgainstDefaultAndCudnn) {
  const EvidenceSet e = load_evidence(kFixture);
  ASSERT_EQ(e.campaign.file, "campaign.json") << e.campaign.missing;
  ASSERT_EQ(e.campaign.buckets.size(), 2u);
  EXPECT_EQ(e.campaign.probes, 2);
  const std::string html = render_report(e, "");
  const size_t at = html.find("<section id=\"campaign\">");
  ASSERT_NE(at, std::string::npos);
  const std::string sec = html.substr(at, html.find("</section>", at) - at);
  EXPECT_NE(sec.find("sm90-m64n128s2-pp-ov-pers"), std::string::npos);
  EXPECT_NE(sec.find("1.077"), std::string::npos) << "301.5 / 280.0: where tuning paid";
  EXPECT_NE(sec.find("1.034"), std::string::npos) << "610 / 590 vs cuDNN";
  EXPECT_NE(sec.find("2048–∞"), std::string::npos);
  EXPECT_NE(sec.find("num ok"), std::string::npos) << "the bucket where tuning paid is marked";
  // Another schema is a warning, not a section.
  const fs::path dir = fs::path(::testing::TempDir()) / "report-campaign-bad";
  fs::create_directories(dir);
  std::ofstream(dir / "campaign.json") << R"({"schema": "attnlab.campaign/9", "buckets": 3})";
  const EvidenceSet bad = load_evidence(dir.string());
  EXPECT_FALSE(bad.campaign.missing.empty());
  EXPECT_FALSE(bad.warnings.empty());
}

TEST(ReportPage, EmptyDirectorySaysWhatIsMissing) {
  const fs::path dir = fs::path(::testing::TempDir()) / "report-empty";
  fs::create_directories(dir);
  const auto s = write_report(dir.string(), "");
  EXPECT_EQ(s.charts, 0);
  EXPECT_EQ(s.missing.size(), 5u);
  const std::string html = slurp(s.out);
  for (const char* id : {"tflops", "vs-cudnn", "convergence", "rank", "roofline", "check", "campaign"})
    EXPECT_NE(html.find(std::string("data-missing=\"") + id + "\""), std::string::npos) << id;
  EXPECT_THROW(load_evidence((dir / "nope").string()), std::exception);
  auto r = test::run_cli("report " + (dir / "nope").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("not an evidence directory"), std::string::npos) << r.output;
}

TEST(ReportPage, CliRendersTheFixtureAsValidSelfContainedXml) {
  const std::string out = ::testing::TempDir() + "/report-fixture/report.html";
  auto r = test::run_cli("report " + kFixture + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(10 charts)"), std::string::npos) << r.output;
  const std::string html = slurp(out);
  // 4 throughput panels (d 64/128 x mask), 3 heat maps (custom, torch-flash, unfused), convergence, rank, roofline
  const std::regex chart("<svg [^>]*data-chart=\"([a-z]+)\"");
  std::map<std::string, int> kinds;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), chart); it != std::sregex_iterator(); ++it) ++kinds[(*it)[1]];
  EXPECT_EQ(kinds, (std::map<std::string, int>{{"convergence", 1}, {"heatmap", 3}, {"rank", 1}, {"roofline", 1}, {"tflops", 4}}));
  // nothing external: no script, no http(s) in src/href/url(); the only URLs are xmlns namespaces
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  const std::regex url("(src|href)\\s*=\\s*\"[a-z]+://|url\\(\\s*['\"]?[a-z]+://|@import");
  EXPECT_FALSE(std::regex_search(html, url));
  // raw-file links are relative to the report and resolve
  const std::regex href("href=\"([^\"#][^\"]*)\"");
  int links = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), href); it != std::sregex_iterator(); ++it, ++links)
    EXPECT_TRUE(fs::exists(fs::path(out).parent_path() / (*it)[1].str())) << (*it)[1];
  EXPECT_GE(links, 8);
#ifdef ATTNLAB_HAVE_LIBXML2
  // the whole page and each <svg> on its own parse as XML
  xmlDocPtr doc = xmlReadMemory(html.data(), static_cast<int>(html.size()), "report.html", "utf-8", XML_PARSE_NONET);
  ASSERT_NE(doc, nullptr) << "report.html is not well-formed";
  xmlFreeDoc(doc);
  int svgs = 0;
  for (size_t p = html.find("<svg "); p != std::string::npos; p = html.find("<svg ", p + 1), ++svgs) {
    const size_t end = html.find("</svg>", p);
    ASSERT_NE(end, std::string::npos);
    const std::string svg = html.substr(p, end + 6 - p);
    xmlDocPtr d = xmlReadMemory(svg.data(), static_cast<int>(svg.size()), "chart.svg", "utf-8", XML_PARSE_NONET);
    EXPECT_NE(d, nullptr) << "svg #" << svgs << " does not parse";
    if (d) {
      EXPECT_STREQ(reinterpret_cast<const char*>(xmlDocGetRootElement(d)->name), "svg");
      xmlFreeDoc(d);
    }
  }
  EXPECT_EQ(svgs, 10);
#else
  GTEST_SKIP() << "libxml2 not found at configure time: XML parse of the page skipped";
#endif
}

}  // namespace attnlab::report
