#pragma once
// SIGTERM, SIGINT and SIGHUP to an attnlab that runs children (attnlab evidence): instead of dying at once
// and leaving the running step writing into the folder, attnlab notes the signal, run_process
// (core/process.hpp) forwards it to the child's whole process tree, and the caller records the step as
// unfinished before it exits with 128 + the signal.
namespace attnlab {

// Installs the handlers (idempotent). Without this call a signal keeps its default action.
void catch_termination_signals();
// 0, or the last of the signals above that arrived since catch_termination_signals().
int termination_signal();

}  // namespace attnlab
