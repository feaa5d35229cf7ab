// Correctness summary, environment block and the raw files of the evidence set.
#include <fmt/format.h>

#include "io/json_text.hpp"
#include "report/report_sections.hpp"
#include "report/svg_text.hpp"

namespace attnlab::report {

using nlohmann::json;

std::string missing_note(const std::string& section, const std::string& why) {
  return fmt::format("<p class=\"missing\" data-missing=\"{}\">No data for this section: {}.</p>", xml_escape(section),
                     xml_escape(why));
}

std::string section_open(const std::string& id, const std::string& title, const std::string& lead) {
  return fmt::format("<section id=\"{}\"><h2>{}</h2><p class=\"lead\">{}</p>", xml_escape(id), xml_escape(title),
                     xml_escape(lead));
}

std::string section_check(const EvidenceSet& e) {
  const auto& c = e.check;
  std::string out = section_open("check", "Correctness gate",
                                 "Every config × dtype × head dim × mask × shape checked against an fp64/fp32 reference "
                                 "before anything is timed.");
  if (!c.missing.empty()) return out + missing_note("check", c.missing) + "</section>";
  out += fmt::format("<p class=\"big {}\">{} of {} checks pass</p><p class=\"src\">Source: <code>{}</code></p>",
                     c.passed == c.total ? "ok" : "bad", c.passed, c.total, xml_escape(c.file));
  if (!c.failures.empty()) {
    out += "<ul class=\"failures\">";
    for (auto& f : c.failures) out += "<li><code>" + xml_escape(f) + "</code></li>";
    out += "</ul>";
  }
  return out + "</section>";
}

namespace {
std::string text_of(const json& v) {
  if (v.is_null()) return "–";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return format_number(v.get<double>());
  if (v.is_array()) {
    std::string s;
    for (auto& x : v) s += (s.empty() ? "" : ", ") + text_of(x);
    return s.empty() ? "none" : s;
  }
  return json_text(v);
}
std::string kv_rows(const json& obj, const std::vector<std::pair<std::string, std::string>>& keys) {
  std::string out;
  for (auto& [k, label] : keys)
    if (obj.is_object() && obj.contains(k))
      out += fmt::format("<tr><th>{}</th><td>{}</td></tr>", xml_escape(label), xml_escape(text_of(obj[k])));
  return out;
}
std::string human_bytes(uintmax_t b) {
  if (b >= (1u << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(b) / (1 << 20));
  if (b >= 1024) return fmt::format("{:.1f} KiB", static_cast<double>(b) / 1024);
  return fmt::format("{} B", b);
}
}  // namespace

std::string section_environment(const EvidenceSet& e, const std::string& link_prefix) {
  std::string out = section_open("environment", "Environment and raw files",
                                 "Where and how the numbers were measured, and every file of the evidence set.");
  const json& env = e.environment;
  if (env.is_object()) {
    out += "<div class=\"env\"><table><caption>Measured on (" + xml_escape(e.environment_file) + ")</caption><tbody>";
    const json gpu = env.value("gpu", json());
    out += kv_rows(gpu, {{"name", "GPU"}, {"uuid", "UUID"}, {"compute_capability", "compute capability"}, {"arch", "target"},
                         {"sm_count", "SMs"}, {"max_sm_clock_mhz", "max SM clock (MHz)"}, {"sm_clock_mhz", "SM clock at capture (MHz)"},
                         {"mem_clock_mhz", "memory clock (MHz)"}, {"memory_bytes", "memory (bytes)"}, {"l2_bytes", "L2 (bytes)"},
                         {"power_limit_w", "power limit (W)"}, {"temperature_c", "temperature (°C)"},
                         {"throttle_reasons", "throttle reasons"}});
    if (env.contains("gpu_unavailable"))
      out += kv_rows(env, {{"gpu_unavailable", "GPU"}});
    out += kv_rows(env, {{"git_commit", "commit"}, {"git_dirty", "uncommitted changes"}, {"timestamp_utc", "captured (UTC)"},
                         {"command_line", "command"}});
    out += "</tbody></table><table><caption>Versions</caption><tbody>";
    if (env.contains("versions") && env["versions"].is_object())
      for (auto& [k, v] : env["versions"].items())
        out += fmt::format("<tr><th>{}</th><td>{}</td></tr>", xml_escape(k), xml_escape(text_of(v)));
    out += "</tbody></table></div>";
  } else {
    out += missing_note("environment", "no env.json and no environment in compare.json / micro_best.json");
  }
  if (!e.devices_txt.empty()) out += "<details><summary>devices.txt</summary><pre>" + xml_escape(e.devices_txt) + "</pre></details>";
  out += "<table class=\"files\"><caption>Raw files</caption><thead><tr><th>file</th><th>size</th><th>step</th>"
         "<th>sha256</th></tr></thead><tbody>";
  for (auto& f : e.files)
    out += fmt::format("<tr><td><a href=\"{}\">{}</a></td><td class=\"num\">{}</td><td>{}</td><td><code>{}</code></td></tr>",
                       xml_escape(relative_href(link_prefix + f.path)), xml_escape(f.path), human_bytes(f.bytes), xml_escape(f.step),
                       xml_escape(f.sha256.substr(0, 16)));
  out += "</tbody></table>";
  if (!e.warnings.empty()) {
    out += "<ul class=\"warnings\">";
    for (auto& w : e.warnings) out += "<li>could not read " + xml_escape(w) + "</li>";
    out += "</ul>";
  }
  return out + "</section>";
}

}  // namespace attnlab::report
