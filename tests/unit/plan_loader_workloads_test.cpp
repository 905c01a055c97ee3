// Plan keys for pressure, the mmap-write and fio workloads and external servers: checked in the
// plan (file:line:key) and sent to the guest as the agent reads them (guest-agent/PROTOCOL.md).
#include <gtest/gtest.h>

#include "config/plan_loader.h"
#include "matrix/plan.h"

namespace fuselab {
namespace {

TEST(PlanLoaderWorkloads, PressureFioAndExternalReachTheGuestSpec) {
  Plan plan = parse_plan(R"(cells:
  - id: fio
    workload: {kind: fio, jobs: 4, size_mib: 64}
    pressure: {hog_percent: 50}
  - id: ext
    server: {backend: external, exec: [/usr/local/bin/passthrough_ll, -f, "source={source}", "{mountpoint}"]}
    workload: {kind: mmap-write}
  - id: plain
)",
                         "t.yaml");
  ASSERT_EQ(plan.cells.size(), 3u);
  auto fio = guest_spec_json(plan.cells[0]);
  EXPECT_EQ(fio["workload"]["kind"], "fio");
  EXPECT_EQ(fio["workload"]["jobs"], 4);
  EXPECT_EQ(fio["pressure"], nlohmann::json({{"hog_percent", 50}}));
  auto ext = guest_spec_json(plan.cells[1]);
  EXPECT_EQ(ext["server"]["backend"], "external");
  EXPECT_EQ(ext["server"]["exec"][3], "{mountpoint}");
  EXPECT_EQ(ext["workload"]["kind"], "mmap-write");
  EXPECT_FALSE(ext["workload"].contains("jobs"));
  // No pressure asked: no key, so an older agent keeps accepting the spec.
  EXPECT_FALSE(guest_spec_json(plan.cells[2]).contains("pressure"));
}

void expect_error(const std::string& yaml, int line, const std::string& key,
                  const std::string& what) {
  try {
    parse_plan(yaml, "p.yaml");
    FAIL() << "no error for " << yaml;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.key(), key) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(PlanLoaderWorkloads, BadKeysNameFileLineAndKey) {
  expect_error("cells:\n  - id: a\n    pressure: {hog_percent: 96}\n", 3,
               "cells[0].pressure.hog_percent", "bad value 96");
  expect_error("cells:\n  - id: a\n    pressure: {hog_procent: 5}\n", 3,
               "cells[0].pressure.hog_procent", "unknown key");
  expect_error("cells:\n  - id: a\n    pressure: {hog_percent: 5, hog_mib: 5}\n", 2, "cells[0]",
               "not both");
  expect_error("cells:\n  - id: a\n    workload: {kind: fio2}\n", 3, "cells[0].workload.kind",
               "unknown value");
  expect_error("cells:\n  - id: a\n    workload: {jobs: 4}\n", 2, "cells[0]", "only for kind fio");
  expect_error("cells:\n  - id: a\n    workload: {kind: fio, jobs: 3, size_mib: 64}\n", 2,
               "cells[0]", "multiple of workload.jobs");
  expect_error("cells:\n  - id: a\n    server: {backend: external}\n", 2, "cells[0]",
               "needs server.exec");
  expect_error("cells:\n  - id: a\n    server: {exec: [x]}\n", 2, "cells[0]",
               "only for backend external");
  expect_error("cells:\n  - id: a\n    server: {backend: external, exec: x}\n", 3,
               "cells[0].server.exec", "list of 1-64 arguments");
  expect_error("cells:\n  - id: a\n    server: {backend: external, exec: [a, '']}\n", 3,
               "cells[0].server.exec", "1-4096 printable");
}

TEST(PlanLoaderWorkloads, BenchFusePlanLoads) {
  Plan plan = load_plan(std::string(FUSELAB_SOURCE_DIR) + "/configs/bench-fuse.yaml");
  ASSERT_EQ(plan.cells.size(), 10u);
  unsigned external = 0;
  for (const auto& c : plan.cells) {
    EXPECT_EQ(c.workload.kind, "fio");
    EXPECT_EQ(c.workload.jobs, 4u);
    EXPECT_TRUE(c.server.writeback_cache);
    EXPECT_TRUE(c.exclusive);
    external += c.server.backend == "external";
  }
  EXPECT_EQ(external, 5u);
}

}  // namespace
}  // namespace fuselab
