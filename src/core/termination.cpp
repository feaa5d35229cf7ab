#include "core/termination.hpp"

#include <signal.h>

#include <initializer_list>

namespace attnlab {

namespace {
volatile sig_atomic_t g_signal = 0;
extern "C" void note_signal(int sig) { g_signal = sig; }
}  // namespace

void catch_termination_signals() {
  struct sigaction sa {};
  sa.sa_handler = note_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a wait in poll() returns at once and sees the signal
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaction(sig, &sa, nullptr);
}

int termination_signal() { return g_signal; }

}  // namespace attnlab
