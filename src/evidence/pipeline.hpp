#pragma once
// attnlab evidence: the whole pipeline in one command (steps.hpp), resumable through manifest.json,
// with a progress display. Returns the exit status: 0 unless a step that ran failed.
#include <string>

#include "evidence/steps.hpp"

namespace attnlab {

int run_evidence(EvidenceOptions o);

// evidence/<gpu> for this machine's GPU ("NVIDIA H100 80GB HBM3" -> evidence/h100); out/evidence-cpu
// without one.
std::string default_evidence_dir();

}  // namespace attnlab
