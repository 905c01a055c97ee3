#include "report/plan_table.h"

#include <fmt/format.h>

#include <algorithm>

namespace fuselab {

std::string format_plan(const Plan& plan) {
  size_t width = 4;
  for (const auto& c : plan.cells) width = std::max(width, c.id.size());
  std::string out =
      fmt::format("plan {} ({}): {} cells\n", plan.name, plan.source, plan.cells.size());
  out += fmt::format("{:<{}}  {:<6} {}\n", "CELL", width, "EXPECT", "KERNEL / SERVER / WORKLOAD");
  for (const auto& c : plan.cells) {
    std::string expect =
        c.expect + (c.expect_signature.empty() ? "" : " (" + c.expect_signature + ")");
    out +=
        fmt::format("{:<{}}  {:<6} {} / {} wbc={} t={} / {} {} MiB in {} KiB\n", c.id, width,
                    expect, c.kernel, c.server.backend, c.server.writeback_cache ? "on" : "off",
                    c.server.threads, c.workload.kind, c.workload.size_mib, c.workload.block_kib);
  }
  return out;
}

}  // namespace fuselab
