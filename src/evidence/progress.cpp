#include "evidence/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

namespace attnlab {

namespace {
int terminal_width(FILE* f) {
  winsize w{};
  if (ioctl(fileno(f), TIOCGWINSZ, &w) == 0 && w.ws_col > 20) return w.ws_col;
  return 100;
}
double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

std::string format_duration(double s) {
  if (s < 60) return fmt::format("{:.0f} s", s);
  const int m = static_cast<int>(s / 60);
  return fmt::format("{} min {:02d} s", m, static_cast<int>(s) - 60 * m);
}

Progress::Progress(FILE* out) : out_(out), tty_(isatty(fileno(out)) != 0) {}

void Progress::begin(int index, int total, const std::string& name, double expected_s, double after_s) {
  index_ = index, total_ = total, name_ = name, expected_ = expected_s, after_ = after_s;
  start_ = last_plain_ = std::chrono::steady_clock::now();
  if (tty_) draw("");
  else {
    fmt::print(out_, "[{}/{}] {}: started (estimate {}, then about {} for the rest)\n", index_, total_, name_,
               format_duration(expected_), format_duration(after_));
    std::fflush(out_);
  }
}

void Progress::draw(const std::string& last_line) {
  const double el = since(start_);
  const double step_left = std::max(0.0, expected_ - el);
  const double frac = expected_ > 0 ? std::min(1.0, el / expected_) : 0;
  constexpr int kBar = 20;
  const int filled = static_cast<int>(frac * kBar);
  std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(kBar - filled), '-');
  std::string line = fmt::format("[{}/{}] {:<14} [{}] {} / ~{}  ETA {} (all: {})", index_, total_, name_, bar,
                                 format_duration(el), format_duration(expected_),
                                 el > expected_ ? std::string("overdue") : format_duration(step_left),
                                 format_duration(step_left + after_));
  if (!last_line.empty()) line += "  | " + last_line;
  const size_t width = static_cast<size_t>(terminal_width(out_) - 1);
  if (line.size() > width) line.resize(width);
  fmt::print(out_, "\r\x1b[K{}", line);
  std::fflush(out_);
}

void Progress::update(const std::string& last_line) {
  if (tty_) return draw(last_line);
  if (since(last_plain_) < 30) return;
  last_plain_ = std::chrono::steady_clock::now();
  const double el = since(start_);
  fmt::print(out_, "[{}/{}] {}: running {} of ~{}{}\n", index_, total_, name_, format_duration(el),
             format_duration(expected_), last_line.empty() ? "" : " | " + last_line);
  std::fflush(out_);
}

void Progress::end(const std::string& result) {
  if (tty_) fmt::print(out_, "\r\x1b[K");
  fmt::print(out_, "[{}/{}] {}: {}\n", index_, total_, name_, result);
  std::fflush(out_);
}

void Progress::note(const std::string& line) {
  fmt::print(out_, "{}\n", line);
  std::fflush(out_);
}

}  // namespace attnlab
