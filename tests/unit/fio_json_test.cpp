// The agent's parser of fio's JSON report (guest-agent/src/fio_json.h) on real fio output
// (tests/data/fio/) and on hostile variants of it: fio's output is untrusted input.
#include "workload/fio_json.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace fuselab::agent {
namespace {

std::string data(const std::string& name) {
  std::ifstream in(std::string(FUSELAB_TEST_DATA) + "/fio/" + name);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

TEST(FioJson, OneJob) {
  FioSummary s = parse_fio_json(data("seq-1job-1m.json"));
  EXPECT_EQ(s.version, "fio-3.33");
  EXPECT_EQ(s.jobs, 1u);
  EXPECT_EQ(s.io_bytes, 16u << 20);
  EXPECT_DOUBLE_EQ(s.bw_bytes, 305040290);
  EXPECT_NEAR(s.iops, 290.909091, 1e-6);
  ASSERT_TRUE(s.clat_p99_us);
  EXPECT_NEAR(*s.clat_p99_us, 284.672, 1e-9);
  ASSERT_TRUE(s.clat_p50_us);
  EXPECT_LE(*s.clat_p50_us, *s.clat_p99_us);
  EXPECT_EQ(s.error, 0);
}

TEST(FioJson, GroupedJobsAreOneEntry) {
  FioSummary s = parse_fio_json(data("seq-4jobs-grouped-1m.json"));
  EXPECT_EQ(s.jobs, 1u);
  EXPECT_EQ(s.io_bytes, 32u << 20);  // 4 jobs x 8 MiB
  EXPECT_DOUBLE_EQ(s.bw_bytes, 798915047);
}

TEST(FioJson, SeparateJobsAreSummedAndTheWorstLatencyKept) {
  FioSummary s = parse_fio_json(data("seq-2jobs-4k.json"));
  EXPECT_EQ(s.jobs, 2u);
  EXPECT_EQ(s.io_bytes, 8u << 20);
  EXPECT_DOUBLE_EQ(s.bw_bytes, 2.0 * 1398101333);
  ASSERT_TRUE(s.clat_p99_us);
  EXPECT_NEAR(*s.clat_p99_us, 9.280, 1e-9);  // the larger of 9.024 and 9.280
}

TEST(FioJson, NotesAroundTheObjectAreSkipped) {
  std::string text = "fio: note: both iodepth >= 1 and synchronous I/O engine are selected\n" +
                     data("seq-1job-1m.json") + "fio: file hash not empty on exit\n";
  EXPECT_EQ(parse_fio_json(text).io_bytes, 16u << 20);
}

void expect_error(const std::string& text, const std::string& part) {
  try {
    parse_fio_json(text);
    FAIL() << "parsed: " << text.substr(0, 80);
  } catch (const FioParseError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(FioJson, GarbageIsAClearError) {
  expect_error(data("bad-directory.txt"), "no JSON object");
  expect_error("", "no JSON object");
  expect_error("\x01\x02\xff{", "no JSON object");
  std::string one = data("seq-1job-1m.json");
  expect_error(one.substr(0, one.size() / 2) + "}", "not valid JSON");
  expect_error("[1,2]", "no JSON object");
  expect_error("{\"jobs\": []}", ".jobs: want a non-empty array");
  expect_error("{\"jobs\": [{\"read\": {}}]}", "jobs[0].write: missing");
  expect_error("{\"jobs\": [{\"write\": {\"io_bytes\": 1, \"bw_bytes\": \"fast\", \"iops\": 1}}]}",
               "jobs[0].write.bw_bytes: not a number");
  expect_error("{\"jobs\": [{\"write\": {\"io_bytes\": -5, \"bw_bytes\": 1, \"iops\": 1}}]}",
               "io_bytes: not a number >= 0");
  expect_error(std::string(kMaxFioOutput + 1, ' '), "larger than");
}

TEST(FioJson, MissingPercentilesAreAbsentNotZero) {
  FioSummary s = parse_fio_json(
      "{\"jobs\": [{\"write\": {\"io_bytes\": 4096, \"bw_bytes\": 10, \"iops\": 1}}]}");
  EXPECT_FALSE(s.clat_p50_us);
  EXPECT_FALSE(s.clat_p99_us);
  EXPECT_TRUE(to_json(s)["clat_p99_us"].is_null());
}

TEST(FioJson, JobErrorIsReported) {
  FioSummary s = parse_fio_json(
      "{\"jobs\": [{\"error\": 5, \"write\": {\"io_bytes\": 0, \"bw_bytes\": 0, \"iops\": 0}}]}");
  EXPECT_EQ(s.error, 5);
}

}  // namespace
}  // namespace fuselab::agent
