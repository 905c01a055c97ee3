#include "report/summary_markdown.h"

#include <fmt/format.h>

#include "report/cell_metrics.h"
#include "report/text_escape.h"

namespace fuselab {
namespace {

std::string header(const RunSummary& run) {
  const auto counts = verdict_counts(run);
  std::string per_verdict;
  for (auto name : all_verdict_names()) {
    auto it = counts.find(std::string(name));
    if (it == counts.end()) continue;
    per_verdict += fmt::format("{}{} {}", per_verdict.empty() ? "" : ", ", it->second, name);
  }
  int mismatched = 0;
  for (const auto& c : run.cells) mismatched += c.matched ? 0 : 1;
  std::string out = fmt::format("### fuselab run `{}`: plan {}\n\n", markdown_escape(run.run_id),
                                markdown_escape(run.plan_name));
  out += fmt::format(
      "**{}** — {} cell(s): {}; {} not as expected; wall {:.1f} s; accelerator {}{}\n\n",
      mismatched == 0 ? "all as expected" : "UNEXPECTED RESULTS", run.cells.size(),
      per_verdict.empty() ? "none" : per_verdict, mismatched, run.wall_s,
      markdown_escape(run.accel.empty() ? "?" : run.accel),
      run.interrupted ? "; **interrupted**" : "");
  return out;
}

std::string optional_seconds(std::optional<double> s, const char* format) {
  return s ? fmt::format(fmt::runtime(format), *s) : "–";
}

}  // namespace

std::string to_summary_markdown(const RunSummary& run) {
  std::string out = header(run);
  if (run.cells.empty()) return out + "No cell finished.\n";
  out += "| cell | verdict | expected | | boot s | cell s | MiB/s | signature / reason |\n";
  out += "|---|---|---|:-:|--:|--:|--:|---|\n";
  for (const auto& c : run.cells) {
    // The signature names the kernel report; the reason says why when there is none.
    const std::string why = c.signature.empty() ? c.reason : c.signature;
    out +=
        fmt::format("| {} | {} | {} | {} | {} | {:.1f} | {} | {} |\n", markdown_escape(c.cell.id),
                    to_string(c.verdict), markdown_escape(c.cell.expect), c.matched ? "✅" : "❌",
                    optional_seconds(boot_seconds(c), "{:.2f}"), cell_seconds(c),
                    optional_seconds(mib_per_second(c), "{:.1f}"), markdown_escape(why));
  }
  // Said only when it differs between rows: fio cells report fio's bandwidth.
  for (const auto& c : run.cells) {
    if (auto t = cell_throughput(c); t && t->basis == Throughput::Basis::FioBandwidth) {
      out += fmt::format("\nMiB/s: {} for fio cells, {} for the others.\n",
                         basis_text(Throughput::Basis::FioBandwidth),
                         basis_text(Throughput::Basis::BytesOverElapsed));
      break;
    }
  }
  return out;
}

}  // namespace fuselab
