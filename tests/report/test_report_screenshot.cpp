// attnlab report as a person sees it: headless Chromium (Debian's `chromium`, installed by
// scripts/install-deps.sh) renders the fixture report at desktop (1280 px) and narrow (420 px) widths.
// Screenshots must not be blank; a small script added to a copy of the page measures every <text> of every
// chart (getBoundingClientRect, so rotated labels count as drawn) and --dump-dom returns the counts: no
// text outside its chart, no two texts of a chart overlapping. The report itself has no script.
// Headless Chromium's window is at least 500 px wide, so the narrow case also narrows <body> to 420 px.
// Skipped, with a message, when chromium is not installed.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "test_helpers.hpp"

namespace attnlab {

namespace fs = std::filesystem;

namespace {
const std::string kFixture = std::string(ATTNLAB_SOURCE_DIR) + "/tests/fixtures/evidence";

std::string find_chromium() {
  for (const char* c : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (fs::exists(c)) return c;
  return "";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::string chromium_cmd(const std::string& chromium, int width, int height, const fs::path& profile) {
  return chromium + " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars --no-first-run --mute-audio " +
         "--user-data-dir=" + profile.string() + " --window-size=" + std::to_string(width) + "," + std::to_string(height);
}

// Distinct byte values of the decompressed image data of a PNG (a uniform image has only a handful).
int png_distinct_bytes(const std::string& png) {
  if (png.size() < 8 || png.compare(1, 3, "PNG") != 0) return 0;
  std::string idat;
  for (size_t p = 8; p + 8 <= png.size();) {
    const uint32_t len = (uint32_t(uint8_t(png[p])) << 24) | (uint32_t(uint8_t(png[p + 1])) << 16) |
                         (uint32_t(uint8_t(png[p + 2])) << 8) | uint32_t(uint8_t(png[p + 3]));
    if (png.compare(p + 4, 4, "IDAT") == 0) idat.append(png, p + 8, len);
    p += 12 + len;
  }
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return 0;
  z.next_in = reinterpret_cast<Bytef*>(idat.data());
  z.avail_in = static_cast<uInt>(idat.size());
  std::set<unsigned char> seen;
  unsigned char buf[1 << 16];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = buf;
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    for (size_t i = 0; i < sizeof buf - z.avail_out; ++i) seen.insert(buf[i]);
  }
  inflateEnd(&z);
  return static_cast<int>(seen.size());
}

// Appended to a copy of the page: marks overflowing / overlapping texts and writes the counts on <body>.
const char* kProbe = R"JS(<script>
(function () {
  var overflow = 0, overlap = 0, texts = 0, charts = 0, where = [];
  document.querySelectorAll('svg[data-chart]').forEach(function (svg) {
    charts++;
    var r = svg.getBoundingClientRect();
    var ts = Array.prototype.slice.call(svg.querySelectorAll('text'));
    var bs = ts.map(function (t) { return t.getBoundingClientRect(); });
    bs.forEach(function (b, i) {
      texts++;
      if (b.left < r.left - 0.5 || b.right > r.right + 0.5 || b.top < r.top - 0.5 || b.bottom > r.bottom + 0.5) {
        overflow++; ts[i].setAttribute('data-overflow', '1'); where.push('overflow:' + ts[i].textContent);
      }
      for (var k = 0; k < i; k++) {
        var o = bs[k];
        var w = Math.min(b.right, o.right) - Math.max(b.left, o.left), h = Math.min(b.bottom, o.bottom) - Math.max(b.top, o.top);
        if (w > 1 && h > 1) { overlap++; where.push('overlap:' + ts[k].textContent + '|' + ts[i].textContent); }
      }
    });
  });
  var body = document.body;
  body.setAttribute('data-charts', charts); body.setAttribute('data-texts', texts);
  body.setAttribute('data-overflow', overflow); body.setAttribute('data-overlap', overlap);
  body.setAttribute('data-width', Math.round(body.getBoundingClientRect().width));
  body.setAttribute('data-where', where.slice(0, 8).join(' ;; '));
})();
</script>)JS";

std::string attr(const std::string& dom, const std::string& name) {
  std::smatch m;
  if (std::regex_search(dom, m, std::regex("<body[^>]*\\s" + name + "=\"([^\"]*)\""))) return m[1];
  return "?";
}
}  // namespace

TEST(ReportScreenshot, DesktopAndNarrowRenderWithoutOverflow) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium not installed (scripts/install-deps.sh installs it): screenshot test skipped";
  const fs::path dir = fs::path(::testing::TempDir()) / "report-shot";
  fs::create_directories(dir);
  const fs::path html = dir / "report.html";
  auto r = test::run_cli("report " + kFixture + " --out " + html.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string page = slurp(html);
  ASSERT_NE(page.find("</body>"), std::string::npos);

  for (int width : {1280, 420}) {
    SCOPED_TRACE("width " + std::to_string(width));
    std::string probed = page;
    probed.insert(probed.find("</body>"), kProbe);
    if (width < 500) probed.insert(probed.find("</head>"), "<style>body { width: " + std::to_string(width) + "px; }</style>");
    const fs::path probe = dir / ("probe-" + std::to_string(width) + ".html");
    std::ofstream(probe) << probed;
    const fs::path profile = dir / ("profile" + std::to_string(width));
    const int window = std::max(width, 500);
    const std::string dom =
        run(chromium_cmd(chromium, window, 900, profile) + " --dump-dom file://" + probe.string());
    ASSERT_NE(dom.find("data-charts"), std::string::npos) << "chromium --dump-dom gave no probed page:\n" << dom.substr(0, 400);
    EXPECT_EQ(attr(dom, "data-charts"), "10");
    EXPECT_EQ(attr(dom, "data-overflow"), "0") << attr(dom, "data-where");
    EXPECT_EQ(attr(dom, "data-overlap"), "0") << attr(dom, "data-where");
    EXPECT_NE(attr(dom, "data-texts"), "0");
    EXPECT_EQ(attr(dom, "data-width"), std::to_string(width));
    const fs::path png = dir / ("report-" + std::to_string(width) + ".png");
    run(chromium_cmd(chromium, window, 2400, profile) + " --screenshot=" + png.string() + " file://" + probe.string());
    ASSERT_TRUE(fs::exists(png)) << "no screenshot";
    EXPECT_GE(png_distinct_bytes(slurp(png)), 32) << png << " looks blank";
  }
}

}  // namespace attnlab
