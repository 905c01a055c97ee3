#include "compare/run_figures.h"

#include <fmt/format.h>

#include "common/json_fields.h"
#include "report/cell_metrics.h"
#include "report/text_escape.h"

namespace fuselab {
namespace {

// Per-boot samples of one optional figure; the median when any boot had it.
struct Samples {
  std::vector<double> values;
  void add(std::optional<double> v) {
    if (v) values.push_back(*v);
  }
  std::optional<double> median() const {
    if (values.empty()) return std::nullopt;
    return stats::median(values);
  }
};

struct Collected {
  Samples p50, p99, writes, write_p99, warmup, boot, workload, cell;
};

void add_boot(Collected& c, const CellResult& r) {
  const nlohmann::json& a = r.agent_result;
  if (const nlohmann::json* fio = json_field(a, "fio")) {
    c.p50.add(json_double_field(*fio, "clat_p50_us"));
    c.p99.add(json_double_field(*fio, "clat_p99_us"));
  }
  if (const nlohmann::json* requests = json_field(a, "server_requests"))
    c.writes.add(json_double_field(*requests, "write"));
  if (const nlohmann::json* server = json_field(a, "server"))
    if (const nlohmann::json* latency = json_field(*server, "latency_us"))
      if (const nlohmann::json* write = json_field(*latency, "write"))
        c.write_p99.add(json_double_field(*write, "p99"));
  if (const nlohmann::json* warmup = json_field(a, "warmup"))
    c.warmup.add(json_double_field(*warmup, "elapsed_s"));
  c.boot.add(boot_seconds(r));
  c.workload.add(json_double_field(a, "elapsed_s"));
  c.cell.add(json_double_field(r.timing, "cell_s"));
}

std::string figure(std::optional<double> v, const char* format = "{:.1f}") {
  return v ? fmt::format(fmt::runtime(format), *v) : "-";
}

nlohmann::json optional_json(std::optional<double> v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

}  // namespace

std::vector<ConfigurationFigures> configuration_figures(const RunSummary& run) {
  std::vector<ConfigurationFigures> out;
  std::map<std::string, std::size_t> index;
  std::vector<Collected> collected;
  for (const CellResult& r : run.cells) {
    const std::string key = repeat_key(r.cell.id);
    auto [it, fresh] = index.try_emplace(key, out.size());
    if (fresh) {
      out.push_back({.key = key, .axes = r.cell.axes});
      collected.emplace_back();
    }
    ConfigurationFigures& f = out[it->second];
    ++f.cells;
    // A hang's partial figure measures the hang, not the configuration.
    if (r.verdict != Verdict::Pass) continue;
    ++f.passed;
    if (auto t = mib_per_second(r)) f.mib_per_s.push_back(*t);
    add_boot(collected[it->second], r);
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    ConfigurationFigures& f = out[i];
    const Collected& c = collected[i];
    f.throughput = stats::summarize(f.mib_per_s);
    f.fio_clat_p50_us = c.p50.median();
    f.fio_clat_p99_us = c.p99.median();
    f.server_writes = c.writes.median();
    f.server_write_p99_us = c.write_p99.median();
    f.warmup_s = c.warmup.median();
    f.boot_s = c.boot.median();
    f.workload_s = c.workload.median();
    f.cell_s = c.cell.median();
  }
  return out;
}

std::string figures_markdown(const std::vector<ConfigurationFigures>& figures, double cv_target) {
  std::string out =
      "| configuration | PASS/boots | median MiB/s | 95 % CI | mean | sd | CV | min | max | fio "
      "clat "
      "p50/p99 µs | server writes | server write p99 µs | warm-up s | boot s | workload s | "
      "cell s |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  std::vector<std::string> over;
  for (const auto& f : figures) {
    const stats::Summary& s = f.throughput;
    const bool measured = s.n != 0;
    const std::string ci =
        s.median_ci ? fmt::format("[{:.1f}, {:.1f}]", s.median_ci->low, s.median_ci->high) : "-";
    auto m = [&](double v, const char* format = "{:.1f}") {
      return measured ? fmt::format(fmt::runtime(format), v) : std::string("-");
    };
    out += fmt::format(
        "| {} | {}/{} | {} | {} | {} | {} | {} | {} | {} | {}/{} | {} | {} | {} | {} | {} | {} "
        "|\n",
        markdown_escape(f.key), f.passed, f.cells, m(s.median), ci, m(s.mean), m(s.stddev),
        m(s.cv * 100, "{:.1f} %"), m(s.min), m(s.max), figure(f.fio_clat_p50_us),
        figure(f.fio_clat_p99_us), figure(f.server_writes, "{:.0f}"), figure(f.server_write_p99_us),
        figure(f.warmup_s, "{:.2f}"), figure(f.boot_s, "{:.2f}"), figure(f.workload_s, "{:.2f}"),
        figure(f.cell_s, "{:.1f}"));
    if (s.n >= 2 && s.cv > cv_target)
      over.push_back(fmt::format("{} ({:.1f} %)", markdown_escape(f.key), s.cv * 100));
  }
  if (!over.empty()) {
    out += fmt::format("\nCV above the {:.0f} % target: ", cv_target * 100);
    for (std::size_t i = 0; i < over.size(); ++i) out += (i ? ", " : "") + over[i];
    out += ".\n";
  }
  return out;
}

nlohmann::json figures_json(const std::vector<ConfigurationFigures>& figures) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : figures) {
    const stats::Summary& s = f.throughput;
    nlohmann::json ci =
        s.median_ci ? nlohmann::json{s.median_ci->low, s.median_ci->high} : nlohmann::json();
    out.push_back({{"configuration", f.key},
                   {"axes", f.axes},
                   {"cells", f.cells},
                   {"passed", f.passed},
                   {"mib_per_s", f.mib_per_s},
                   {"median", s.median},
                   {"median_ci", ci},
                   {"mean", s.mean},
                   {"stddev", s.stddev},
                   {"cv", s.cv},
                   {"min", s.min},
                   {"max", s.max},
                   {"fio_clat_p50_us", optional_json(f.fio_clat_p50_us)},
                   {"fio_clat_p99_us", optional_json(f.fio_clat_p99_us)},
                   {"server_writes", optional_json(f.server_writes)},
                   {"server_write_p99_us", optional_json(f.server_write_p99_us)},
                   {"warmup_s", optional_json(f.warmup_s)},
                   {"boot_s", optional_json(f.boot_s)},
                   {"workload_s", optional_json(f.workload_s)},
                   {"cell_s", optional_json(f.cell_s)}});
  }
  return out;
}

}  // namespace fuselab
