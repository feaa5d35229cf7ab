#pragma once
// Step progress for `attnlab evidence`: on a terminal, one line redrawn in place (bar, elapsed / expected,
// ETA of the step and of the whole run, the step's last output line); otherwise plain lines: a start line,
// a "still running" line every 30 s, an end line. No C++ progress library is packaged by Debian, so this is
// a small printer with only \r and "erase line".
#include <chrono>
#include <cstdio>
#include <string>

namespace attnlab {

class Progress {
 public:
  explicit Progress(FILE* out);  // terminal mode when `out` is a TTY
  bool tty() const { return tty_; }
  // Step `index` of `total` begins; `expected_s` is its estimate, `after_s` the estimate of the steps after it.
  void begin(int index, int total, const std::string& name, double expected_s, double after_s);
  void update(const std::string& last_line);
  void end(const std::string& result);  // "ok 12.3 s", "FAILED (exit 1)", ...
  void note(const std::string& line);   // a line of its own (skips, summaries)

 private:
  void draw(const std::string& last_line);
  FILE* out_;
  bool tty_;
  int index_ = 0, total_ = 0;
  std::string name_;
  double expected_ = 0, after_ = 0;
  std::chrono::steady_clock::time_point start_, last_plain_;
};

std::string format_duration(double seconds);  // "45 s", "3 min 05 s"

}  // namespace attnlab
