// The KCIDB export: the v4 shape (required fields, id and path patterns, no nulls) and the
// verdict-to-status mapping.
#include <gtest/gtest.h>

#include <functional>
#include <regex>
#include <set>

#include "report/kcidb_export.h"
#include "report_fixtures.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The constraints of KCIDB I/O schema v4.3 that a submission most easily breaks.
void expect_kcidb_shape(const json& k) {
  ASSERT_TRUE(k.is_object());
  EXPECT_EQ(k["version"]["major"], 4);
  const std::regex origin_id("^[a-z0-9_]+:.*$");
  for (const char* table : {"checkouts", "builds", "tests"}) {
    for (const auto& o : k[table]) {
      EXPECT_EQ(o["origin"], "fuselab");
      EXPECT_TRUE(std::regex_match(o["id"].get<std::string>(), origin_id)) << o["id"];
    }
  }
  for (const auto& b : k["builds"]) EXPECT_TRUE(b.contains("checkout_id"));
  const std::set<std::string> statuses{"FAIL", "ERROR", "MISS", "PASS", "DONE", "SKIP"};
  for (const auto& t : k["tests"]) {
    EXPECT_TRUE(t.contains("build_id"));
    EXPECT_TRUE(statuses.contains(t["status"].get<std::string>()));
    EXPECT_TRUE(std::regex_match(t["path"].get<std::string>(), std::regex("^[.a-zA-Z0-9_-]*$")));
    if (t.contains("log_excerpt")) {
      EXPECT_LE(t["log_excerpt"].get<std::string>().size(), 16384u);
    }
  }
  // "No properties can be null."
  std::function<void(const json&)> no_nulls = [&](const json& j) {
    EXPECT_FALSE(j.is_null());
    if (j.is_structured()) {
      for (const auto& v : j) no_nulls(v);
    }
  };
  no_nulls(k);
}

TEST(ReportKcidb, StatusOfEachVerdict) {
  EXPECT_EQ(kcidb_status(Verdict::Pass), "PASS");
  for (Verdict v : {Verdict::Slow, Verdict::Hang, Verdict::Stall, Verdict::Oom, Verdict::Crash,
                    Verdict::Warn, Verdict::Fail}) {
    EXPECT_EQ(kcidb_status(v), "FAIL") << to_string(v);
  }
  EXPECT_EQ(kcidb_status(Verdict::Infra), "MISS");
  EXPECT_EQ(kcidb_status(Verdict::Skip), "SKIP");
}

TEST(ReportKcidb, RealRun) {
  const auto run = load_run_summary(report_test::data_dir("smoke-pass"));
  const json k = to_kcidb(run);
  expect_kcidb_shape(k);
  ASSERT_EQ(k["checkouts"].size(), 1u);
  ASSERT_EQ(k["builds"].size(), 1u);  // both cells booted the same kernel
  ASSERT_EQ(k["tests"].size(), 2u);
  const json& t = k["tests"][0];
  EXPECT_EQ(t["id"], "fuselab:20261125-101456-a3b3:null-1t");
  EXPECT_EQ(t["build_id"], "fuselab:20261125-101456-a3b3:kernel:6.1.0-50-cloud-amd64");
  EXPECT_EQ(t["path"], "fuselab.null-1t");
  EXPECT_EQ(t["status"], "PASS");
  EXPECT_EQ(t["start_time"], "2026-11-25T10:14:56.475+00:00");
  EXPECT_NEAR(t["misc"]["mib_per_s"].get<double>(), 48.5, 0.01);
  EXPECT_FALSE(t.contains("log_url"));  // no artifacts URL given
}

TEST(ReportKcidb, MixedRunWithExcerptsAndUrls) {
  TempDir dir(fs::temp_directory_path(), "fuselab-kcidb-");
  const auto run = report_test::mixed_run(dir.path());
  const json k = to_kcidb(run, {"https://ci.example/a/run-1", dir.path()});
  expect_kcidb_shape(k);
  const json& tests = k["tests"];
  ASSERT_EQ(tests.size(), 5u);
  EXPECT_EQ(tests[1]["status"], "FAIL");
  EXPECT_FALSE(tests[1]["waived"]);  // HANG where PASS was expected: alert
  EXPECT_EQ(tests[1]["misc"]["signature"], "INFO: task hung in fuse_fsync");
  EXPECT_NE(tests[1]["log_excerpt"].get<std::string>().find("INFO: task dd:81 blocked"),
            std::string::npos);
  EXPECT_EQ(tests[1]["log_url"], "https://ci.example/a/run-1/hang-v1/console.log");
  EXPECT_EQ(tests[2]["status"], "MISS");
  EXPECT_EQ(tests[3]["status"], "SKIP");
  EXPECT_EQ(tests[4]["status"], "FAIL");
  EXPECT_TRUE(tests[4]["waived"]);  // the expected reproduction
  EXPECT_EQ(tests[4]["path"].get<std::string>().find('/'), std::string::npos);
  // Ids are one line of valid UTF-8 even from a hostile cell id; only the spec (plan data,
  // kept as is) needs the lenient dump.
  EXPECT_EQ(tests[4]["id"].get<std::string>().find('\n'), std::string::npos);
  EXPECT_NO_THROW(tests[4]["id"].dump());
  EXPECT_NO_THROW(tests[3]["comment"].dump());
  EXPECT_NO_THROW(k.dump(-1, ' ', false, json::error_handler_t::replace));
}

TEST(ReportKcidb, EmptyRun) {
  RunSummary run;
  run.run_id = "r";
  const json k = to_kcidb(run);
  expect_kcidb_shape(k);
  EXPECT_TRUE(k["tests"].empty());
  EXPECT_FALSE(k["checkouts"][0].contains("start_time"));  // no start time: omitted, not null
}

}  // namespace
}  // namespace fuselab
