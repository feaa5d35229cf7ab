#pragma once
// The report's sections, each an HTML fragment (<section>) from an EvidenceSet. A section without data
// says which file it needed (class "missing", data-missing="<section>") instead of a chart.
#include <string>

#include "report/evidence_set.hpp"

namespace attnlab::report {

std::string section_tflops(const EvidenceSet& e);       // TFLOP/s vs sequence length, one panel per (d, mask)
std::string section_vs_cudnn(const EvidenceSet& e);     // ratio to the best cuDNN, heat map per backend
std::string section_convergence(const EvidenceSet& e);  // best-so-far vs evaluations
std::string section_rank(const EvidenceSet& e);         // micro rank vs measured rank
std::string section_roofline(const EvidenceSet& e);     // roofline + verdict table
std::string section_check(const EvidenceSet& e);        // correctness gate summary
std::string section_campaign(const EvidenceSet& e);     // per bucket: chosen vs default vs cuDNN
// Environment block and the list of raw files; hrefs are `link_prefix` + the path in the evidence dir.
std::string section_environment(const EvidenceSet& e, const std::string& link_prefix);

// Shared HTML helpers.
std::string missing_note(const std::string& section, const std::string& why);
std::string section_open(const std::string& id, const std::string& title, const std::string& lead);

// Display order and colour of a backend (the same in every chart).
int backend_colour(const std::string& backend);

}  // namespace attnlab::report
