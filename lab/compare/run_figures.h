// The figures a throughput study reports per configuration of a run (the cells that differ
// only in their repeat, `.rN`): the PASS boots' throughput summarized (median, mean, standard
// deviation, CV, min/max, a bootstrap CI of the median), fio's completion latency, the agent
// server's counters, and where a cell's time went. Every figure is a median over the PASS boots,
// so one slow boot moves none of them far.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/statistics.h"
#include "report/cell_result.h"

namespace fuselab {

struct ConfigurationFigures {
  std::string key;                          // the cell id without its repeat suffix
  std::map<std::string, std::string> axes;  // the configuration's axis values
  std::size_t cells = 0;                    // boots of it, whatever their verdict
  std::size_t passed = 0;                   // of which PASS: the only ones measured
  std::vector<double> mib_per_s;            // in run order
  stats::Summary throughput;
  std::optional<double> fio_clat_p50_us, fio_clat_p99_us;
  std::optional<double> server_writes;               // FUSE_WRITE requests the server answered
  std::optional<double> server_write_p99_us;         // the agent's own server: its write latency
  std::optional<double> warmup_s;                    // the unmeasured pass (workload.warmup_mib)
  std::optional<double> boot_s, workload_s, cell_s;  // hello after, the workload, the whole cell
};

// In the order of the run's cells (the plan's order).
std::vector<ConfigurationFigures> configuration_figures(const RunSummary& run);

// A table with a row per configuration, and a line for each CV above `cv_target`.
std::string figures_markdown(const std::vector<ConfigurationFigures>& figures,
                             double cv_target = 0.05);
nlohmann::json figures_json(const std::vector<ConfigurationFigures>& figures);

}  // namespace fuselab
