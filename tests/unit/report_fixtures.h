// Runs for the report tests: real run.json files from tests/data/reports/ and a constructed run
// with every outcome JUnit and KCIDB distinguish, hostile guest strings included.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "common/paths.h"
#include "report/cell_result.h"
#include "report/run_json_reader.h"

namespace fuselab::report_test {

inline std::filesystem::path data_dir(const std::string& name) {
  return std::filesystem::path(FUSELAB_TEST_DATA) / "reports" / name;
}

// What a guest could put in a kernel report title or an agent error: markup that would close
// the surrounding element or CDATA section, a script, terminal escapes, NUL, invalid UTF-8,
// Markdown table and link syntax, and a newline.
inline const std::string kNasty =
    std::string("]]></failure><script>alert('x')</script>&amp; \"q\" | *b* [l](javascript:1)") +
    "\x1b[31mred\x1b[0m \x01\x7f" + std::string(1, '\0') + "\xff\xfe\xc0\xaf end\r\nline2";

inline CellResult make_cell(const std::string& id, Verdict got, const std::string& expect) {
  CellResult c;
  c.cell.id = id;
  c.cell.expect = expect;
  c.verdict = got;
  c.matched = std::string(to_string(got)) == expect;
  c.attempts = 1;
  c.accel = "tcg";
  c.kernel_release = "6.1.0-50-cloud-amd64";
  c.kernel_source = "debian:bookworm:cloud-amd64 6.1.176-1";
  c.timing = {{"start_s", 0.5}, {"boot_to_hello_s", 6.5}, {"cell_s", 20.0}};
  c.agent_result = nullptr;
  c.reports = nlohmann::json::array();
  c.end = "agent-done";
  return c;
}

// Five cells: PASS with throughput; HANG where PASS was expected (signature and report lines
// into a real hung-task console, written into `run_dir`); INFRA where PASS was expected; SKIP
// as expected; HANG as expected (a reproduction).
inline RunSummary mixed_run(const std::filesystem::path& run_dir) {
  RunSummary run;
  run.run_id = "20261125-120000-beef";
  run.plan_name = "mixed";
  run.plan_file = "configs/mixed.yaml";
  run.accel = "tcg";
  run.accel_reason = "no /dev/kvm";
  run.started_at = "2026-11-25T12:00:00Z";
  run.wall_s = 93.25;

  auto pass = make_cell("pass-1t", Verdict::Pass, "PASS");
  pass.agent_result = {{"mib_per_s", 48.5}};
  pass.reason = "workload finished, byte counts match";

  auto hang = make_cell("hang-v1", Verdict::Hang, "PASS");
  hang.signature = "INFO: task hung in fuse_fsync";
  hang.reason = "hung task and no progress until the deadline " + kNasty;
  hang.end = "cell-deadline";
  hang.timing["boot_to_hello_s"] = 7.25;
  hang.reports = {{{"kind", "hung-task"}, {"title", hang.signature}, {"first_line", 3}}};
  std::filesystem::create_directories(run_dir / hang.cell.id);
  std::filesystem::copy_file(
      std::filesystem::path(FUSELAB_TEST_DATA) / "console" / "hung-task-6.1-format.log",
      run_dir / hang.cell.id / "console.log", std::filesystem::copy_options::overwrite_existing);

  auto infra = make_cell("infra-nb", Verdict::Infra, "PASS");
  infra.reason = "guest never reached the agent (boot-deadline)";
  infra.timing["boot_to_hello_s"] = -1.0;
  infra.end = "boot-deadline";
  infra.attempts = 2;
  std::filesystem::create_directories(run_dir / infra.cell.id);
  std::ofstream(run_dir / infra.cell.id / "console.log", std::ios::binary)
      << "[    2.4] fuse: init (API version 7.38)\r\n"
      << kNasty << "\r\n";

  auto skip = make_cell("skip-v1-on-7", Verdict::Skip, "SKIP");
  skip.reason = "kernel has no cgroup v1 " + kNasty;

  auto repro = make_cell(kNasty, Verdict::Hang, "HANG");
  repro.signature = kNasty;
  repro.agent_result = {{"mib_per_s", 3.25}};

  run.cells = {pass, hang, infra, skip, repro};
  return run;
}

}  // namespace fuselab::report_test
