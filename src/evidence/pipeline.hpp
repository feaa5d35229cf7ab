#pragma once
// attnlab evidence: the whole pipeline in one command (steps.hpp), resumable through manifest.json,
// with a progress display. Returns the exit status: 0 unless a step that ran failed; 128 + N when signal
// N (SIGTERM, SIGINT, SIGHUP) stopped it: the signal is passed on to the running step's process tree and
// the step is recorded as unfinished. Before anything is written, UserError when --committed names no
// folder, when --out is (inside) the committed evidence and there is no GPU, or when --out holds the
// evidence of a GPU this machine does not have (its devices.txt and env.json would be replaced).
#include <string>

#include "evidence/steps.hpp"

namespace attnlab {

int run_evidence(EvidenceOptions o);

// evidence/<gpu> for this machine's GPU ("NVIDIA H100 80GB HBM3" -> evidence/h100); out/evidence-cpu
// without one.
std::string default_evidence_dir();

}  // namespace attnlab
