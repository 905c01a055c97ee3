// junit.xml: valid against the JUnit schema (xmllint), readable by a real consumer (Python's
// ElementTree, as pytest plugins and many CI uploaders use), and right about each outcome.
#include <gtest/gtest.h>

#include "common/subprocess.h"
#include "report/junit_writer.h"
#include "report_fixtures.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using report_test::data_dir;

class ReportJunit : public ::testing::Test {
 protected:
  TempDir dir{fs::temp_directory_path(), "fuselab-junit-"};

  // Writes the XML and checks it against tests/data/reports/junit.xsd; returns the path.
  fs::path write_valid(const std::string& xml) {
    const fs::path file = dir.path() / "junit.xml";
    write_file_atomic(file, xml);
    auto r = run_command(
        {"xmllint", "--noout", "--schema",
         (fs::path(FUSELAB_TEST_DATA) / "reports" / "junit.xsd").string(), file.string()},
        {.timeout = std::chrono::seconds(30)}, "libxml2-utils");
    EXPECT_TRUE(r.ok()) << r.err << "\n" << xml;
    return file;
  }

  // "tests failures errors skipped cases failure-types script-elements" as ElementTree sees it.
  std::string python_view(const fs::path& file) {
    const char* script = R"(import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
s = root.find('testsuite')
cases = s.findall('testcase')
kinds = ','.join(sorted(c[0].tag + ':' + c[0].get('type', '') for c in cases if c[0].tag != 'system-out'))
print(s.get('tests'), s.get('failures'), s.get('errors'), s.get('skipped'), len(cases), kinds or '-', len(root.findall('.//script')))
)";
    auto r = run_command({"python3", "-c", script, file.string()},
                         {.timeout = std::chrono::seconds(30)}, "python3");
    EXPECT_TRUE(r.ok()) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }
};

TEST_F(ReportJunit, RealPassingRunHasOnePassingCasePerCell) {
  const auto run = load_run_summary(data_dir("smoke-pass"));
  const auto xml = to_junit_xml(run, data_dir("smoke-pass"));
  EXPECT_EQ(python_view(write_valid(xml)), "2 0 0 0 2 - 0");
  EXPECT_NE(xml.find(R"(<testcase classname="smoke" name="null-1t" time="15.217">)"),
            std::string::npos)
      << xml;
}

TEST_F(ReportJunit, RealInfraRunIsAnErrorWithTheConsoleTail) {
  const auto run = load_run_summary(data_dir("infra-boot"));
  const auto xml = to_junit_xml(run, data_dir("infra-boot"));
  EXPECT_EQ(python_view(write_valid(xml)), "1 0 1 0 1 error:INFRA 0");
  EXPECT_NE(xml.find("INFRA, expected PASS"), std::string::npos) << xml;
  EXPECT_NE(xml.find("fuse: init (API version 7.38)\n</error>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find('\r'), std::string::npos);
}

TEST_F(ReportJunit, EachOutcomeAndHostileStrings) {
  const auto run = report_test::mixed_run(dir.path());
  const auto xml = to_junit_xml(run, dir.path());
  // PASS, HANG expected PASS (failure), INFRA (error), SKIP as expected, HANG as expected.
  EXPECT_EQ(python_view(write_valid(xml)), "5 1 1 1 5 error:INFRA,failure:HANG,skipped: 0");
  // The failure carries verdict, expectation, signature and the hung task's console lines.
  EXPECT_NE(xml.find(R"(message="HANG, expected PASS: INFO: task hung in fuse_fsync)"),
            std::string::npos);
  EXPECT_NE(xml.find("INFO: task dd:81 blocked for more than 120 seconds."), std::string::npos);
  EXPECT_EQ(xml.find("fsync-test: starting"), std::string::npos) << "excerpt starts at line 3";
  EXPECT_EQ(xml.find("<script"), std::string::npos);
  EXPECT_EQ(xml.find("]]>"), std::string::npos);
}

TEST_F(ReportJunit, EmptyRunIsValid) {
  RunSummary run;
  run.run_id = "empty";
  run.plan_name = "none";
  EXPECT_EQ(python_view(write_valid(to_junit_xml(run, dir.path()))), "0 0 0 0 0 - 0");
}

}  // namespace
}  // namespace fuselab
