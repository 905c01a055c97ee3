#include "report/junit_writer.h"

#include <fmt/format.h>

#include "report/cell_metrics.h"
#include "report/console_excerpt.h"
#include "report/text_escape.h"

namespace fuselab {
namespace {

enum class Outcome { Passed, Failure, Error, Skipped };

Outcome outcome_of(const CellResult& c) {
  if (!c.matched) return c.verdict == Verdict::Infra ? Outcome::Error : Outcome::Failure;
  return c.verdict == Verdict::Skip ? Outcome::Skipped : Outcome::Passed;
}

// Attribute values: cleaned to one line, bounded, escaped.
std::string attr(std::string_view s, std::size_t max_bytes = 200) {
  return xml_escape(clean_line(s, max_bytes));
}

// JUnit consumers parse time as a plain decimal (Surefire's pattern), so no exponent.
std::string seconds(double s) { return fmt::format("{:.3f}", s < 0 ? 0.0 : s); }

std::string failure_message(const CellResult& c) {
  std::string msg = fmt::format("{}, expected {}", to_string(c.verdict), c.cell.expect);
  if (!c.signature.empty()) msg += ": " + c.signature;
  if (!c.reason.empty()) msg += " (" + c.reason + ")";
  return msg;
}

std::string testcase(const RunSummary& run, const CellResult& c,
                     const std::filesystem::path& run_dir) {
  std::string out = fmt::format(R"(    <testcase classname="{}" name="{}" time="{}">)",
                                attr(run.plan_name), attr(c.cell.id), seconds(cell_seconds(c)));
  out += '\n';
  const Outcome o = outcome_of(c);
  if (o == Outcome::Failure || o == Outcome::Error) {
    const std::string body = console_excerpt(c, run_dir / c.cell.id);
    out += fmt::format(R"(      <{0} type="{1}" message="{2}">{3}</{0}>)",
                       o == Outcome::Error ? "error" : "failure", to_string(c.verdict),
                       attr(failure_message(c), 400), xml_escape(body));
    out += '\n';
  } else if (o == Outcome::Skipped) {
    out += fmt::format(R"(      <skipped message="{}"/>)", attr(c.reason, 400));
    out += '\n';
  }
  // Every case says what it got, so a matched HANG (an expected reproduction) is readable too.
  out += fmt::format("      <system-out>verdict={} expected={} end={} attempts={}\nreason: {}\n",
                     to_string(c.verdict), attr(c.cell.expect), attr(c.end), c.attempts,
                     attr(c.reason, 400));
  if (!c.signature.empty()) out += "signature: " + attr(c.signature, 400) + "\n";
  out += fmt::format("files: {0}/console.log {0}/result.json</system-out>\n", attr(c.cell.id));
  out += "    </testcase>\n";
  return out;
}

}  // namespace

std::string to_junit_xml(const RunSummary& run, const std::filesystem::path& run_dir) {
  int failures = 0, errors = 0, skipped = 0;
  std::string cases;
  for (const auto& c : run.cells) {
    switch (outcome_of(c)) {
      case Outcome::Failure:
        ++failures;
        break;
      case Outcome::Error:
        ++errors;
        break;
      case Outcome::Skipped:
        ++skipped;
        break;
      case Outcome::Passed:
        break;
    }
    cases += testcase(run, c, run_dir);
  }
  const auto tests = run.cells.size();
  std::string out = R"(<?xml version="1.0" encoding="UTF-8"?>)";
  out += '\n';
  out +=
      fmt::format(R"(<testsuites name="fuselab" tests="{}" failures="{}" errors="{}" time="{}">)",
                  tests, failures, errors, seconds(run.wall_s));
  out += '\n';
  out += fmt::format(
      R"(  <testsuite name="{}" id="{}" tests="{}" failures="{}" errors="{}" skipped="{}" time="{}" timestamp="{}">)",
      attr(run.plan_name), attr(run.run_id), tests, failures, errors, skipped, seconds(run.wall_s),
      attr(run.started_at));
  out += "\n    <properties>\n";
  const std::pair<const char*, std::string> props[] = {
      {"run_id", run.run_id},
      {"plan_file", run.plan_file},
      {"accel", run.accel},
      {"accel_reason", run.accel_reason},
      {"libvirt_uri", run.libvirt_uri},
      {"interrupted", run.interrupted ? "true" : "false"}};
  for (const auto& [name, value] : props) {
    out += fmt::format(R"(      <property name="{}" value="{}"/>)", name, attr(value, 400));
    out += '\n';
  }
  out += "    </properties>\n" + cases + "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace fuselab
