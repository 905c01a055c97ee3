// The three forms of a comparison. Text and markdown put verdict changes first; every figure
// says what it is (median MiB/s over n boots, the ratio other/base with its 95 % interval).
#include <fmt/format.h>

#include "compare/compare_runs.h"
#include "report/text_escape.h"

namespace fuselab {
namespace {

std::string verdict_list(const CompareSide& side) {
  std::string out;
  for (const auto& [v, n] : side.verdicts)
    out += fmt::format("{}{}×{}", out.empty() ? "" : " ", v, n);
  return out.empty() ? "(no cell)" : out;
}

std::string figure(const CompareSide& side) {
  const auto& s = side.summary;
  if (s.n == 0) return "–";
  return fmt::format("{:.1f} (n={}, cv {:.1f} %)", s.median, s.n, s.cv * 100);
}

std::string ratio_text(const ComparePair& p) {
  if (p.change == Change::NotComparable) return "–";
  std::string out = fmt::format("{:.3f}", p.ratio);
  if (p.ratio_ci) out += fmt::format(" [{:.3f}, {:.3f}]", p.ratio_ci->low, p.ratio_ci->high);
  return out;
}

std::string p_text(const ComparePair& p) {
  return p.test ? fmt::format("{:.3g}{}", p.test->p, p.test->exact ? "" : " (approx.)") : "–";
}

nlohmann::json summary_json(const stats::Summary& s) {
  nlohmann::json j = {{"n", s.n},   {"median", s.median}, {"mean", s.mean}, {"stddev", s.stddev},
                      {"cv", s.cv}, {"min", s.min},       {"max", s.max}};
  j["median_ci95"] = s.median_ci ? nlohmann::json::array({s.median_ci->low, s.median_ci->high})
                                 : nlohmann::json(nullptr);
  return j;
}

nlohmann::json side_json(const CompareSide& side) {
  return {{"label", side.label},
          {"cells", side.cell_ids},
          {"verdicts", side.verdicts},
          {"mib_per_s", side.mib_per_s},
          {"summary", summary_json(side.summary)}};
}

}  // namespace

std::string comparison_text(const Comparison& c) {
  std::string out =
      fmt::format("base {} · other {} · alpha {} · threshold {:.1f} %\n", c.base_label,
                  c.other_label, c.options.alpha, c.options.threshold * 100);
  bool any_change = false;
  for (const auto& p : c.pairs) {
    if (!p.verdicts_changed) continue;
    if (!any_change) out += "\nverdict changes:\n";
    any_change = true;
    out += fmt::format("  {}: {} -> {}\n", clean_line(p.key, 200), verdict_list(p.base),
                       verdict_list(p.other));
  }
  out += fmt::format("\n{:<40} {:>26} {:>26} {:>24} {:>10}  {}\n", "CELL", "BASE MiB/s",
                     "OTHER MiB/s", "RATIO [95% CI]", "P (MWU)", "CHANGE");
  for (const auto& p : c.pairs) {
    out += fmt::format("{:<40} {:>26} {:>26} {:>24} {:>10}  {}{}{}\n", clean_line(p.key, 80),
                       figure(p.base), figure(p.other), ratio_text(p), p_text(p),
                       to_string(p.change), p.gate_failed ? " [gate: " + p.gate_reason + "]" : "",
                       p.note.empty() ? "" : " (" + p.note + ")");
  }
  for (const auto& key : c.unpaired) out += "only on one side: " + clean_line(key, 200) + "\n";
  return out;
}

std::string comparison_markdown(const Comparison& c) {
  std::string out = fmt::format("### fuselab compare: {} vs {}\n\n", markdown_escape(c.base_label),
                                markdown_escape(c.other_label));
  bool any_change = false;
  for (const auto& p : c.pairs) {
    if (!p.verdicts_changed) continue;
    if (!any_change) out += "**Verdict changes**\n\n";
    any_change = true;
    out +=
        fmt::format("- {}: {} → {}\n", markdown_escape(p.key),
                    markdown_escape(verdict_list(p.base)), markdown_escape(verdict_list(p.other)));
  }
  if (any_change) out += "\n";
  out +=
      "| cell | base MiB/s | other MiB/s | ratio [95 % CI] | p (Mann-Whitney) | change |\n"
      "|---|---:|---:|---:|---:|---|\n";
  for (const auto& p : c.pairs) {
    out += fmt::format("| {} | {} | {} | {} | {} | {}{} |\n", markdown_escape(p.key),
                       figure(p.base), figure(p.other), ratio_text(p), p_text(p),
                       p.gate_failed ? "**" + std::string(to_string(p.change)) + "** (gate)"
                                     : std::string(to_string(p.change)),
                       p.note.empty() ? "" : " — " + markdown_escape(p.note, 300));
  }
  return out;
}

nlohmann::json comparison_json(const Comparison& c) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& p : c.pairs) {
    nlohmann::json j = {{"key", p.key},
                        {"base", side_json(p.base)},
                        {"other", side_json(p.other)},
                        {"verdicts_changed", p.verdicts_changed},
                        {"change", to_string(p.change)},
                        {"note", p.note},
                        {"gate_failed", p.gate_failed},
                        {"gate_reason", p.gate_reason}};
    if (p.change != Change::NotComparable) j["ratio"] = p.ratio;
    if (p.ratio_ci) j["ratio_ci95"] = {p.ratio_ci->low, p.ratio_ci->high};
    if (p.test) j["mann_whitney"] = {{"u", p.test->u}, {"p", p.test->p}, {"exact", p.test->exact}};
    pairs.push_back(std::move(j));
  }
  return {{"schema", "fuselab.compare/1"},    {"base", c.base_label},
          {"other", c.other_label},           {"alpha", c.options.alpha},
          {"threshold", c.options.threshold}, {"max_regression", c.options.max_regression},
          {"axis", c.options.axis},           {"pairs", pairs},
          {"unpaired", c.unpaired},           {"gate_failed", c.gate_failed()}};
}

}  // namespace fuselab
