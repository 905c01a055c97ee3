// Figures the report writers read from a CellResult. The record keeps timing and the agent's
// result as JSON (their shape is the agent protocol's); these accessors tolerate missing or
// mistyped fields, since an INFRA cell may have neither.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/cell_result.h"

namespace fuselab {

// Seconds from start to the agent's hello; nullopt when the guest never said hello.
std::optional<double> boot_seconds(const CellResult& c);
double cell_seconds(const CellResult& c);
// A cell's throughput, and which figure it is: the one decision behind the terminal table, the
// HTML report, the markdown summary and KCIDB. A fio cell reports fio's own bandwidth
// (fio.bw_bytes: bytes over fio's job runtime, the figure comparable with other fio numbers;
// the agent's mib_per_s would include fio's start-up); every other workload the agent's bytes
// written / elapsed (mib_per_s).
struct Throughput {
  enum class Basis { FioBandwidth, BytesOverElapsed };
  double mib_per_s = 0;
  Basis basis = Basis::BytesOverElapsed;
};
// nullopt when the agent sent neither figure (or only mistyped ones).
std::optional<Throughput> cell_throughput(const CellResult& c);
// "fio bandwidth", "bytes written / elapsed": for labels.
std::string_view basis_text(Throughput::Basis basis);
// cell_throughput(c)'s MiB/s.
std::optional<double> mib_per_second(const CellResult& c);

// The kernel report that decided the verdict (the one whose title is the signature, else the
// first), or nullptr.
const nlohmann::json* decisive_report(const CellResult& c);

// Number of cells per verdict name (order them with all_verdict_names()).
std::map<std::string, int> verdict_counts(const RunSummary& run);

// The verdicts in enum order, for stable legends and header lines.
const std::vector<std::string_view>& all_verdict_names();

// A cell id without its repeat suffix (`repeat: N` makes "<id>.r1".."<id>.rN"): "null.r3" ->
// "null". Boots with the same key are one configuration, for `fuselab compare` and report.html.
std::string repeat_key(const std::string& cell_id);

// "PASS", or "HANG (expected PASS)" when the cell did not match.
std::string verdict_label(const CellResult& c);

}  // namespace fuselab
