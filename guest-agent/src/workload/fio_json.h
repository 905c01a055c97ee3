// fio's `--output-format=json` report, reduced to the figures a cell reports. fio's output is
// untrusted input (another program, a guest's): the text is bounded, parsed without exceptions
// escaping as anything but a clear FioParseError, and every field is type-checked.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fuselab::agent {

class FioParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FioSummary {
  std::string version;         // "fio-3.33"
  unsigned jobs = 0;           // job entries in the report (1 with group_reporting)
  std::uint64_t io_bytes = 0;  // written, all jobs
  double bw_bytes = 0;         // bytes/s, all jobs
  double iops = 0;             // all jobs
  std::optional<double> clat_p50_us, clat_p99_us;  // the worst job's; absent if not reported
  int error = 0;                                   // first non-zero job error
};

// Largest report accepted; a job report is a few KiB, so this bound only stops garbage.
constexpr std::size_t kMaxFioOutput = 4 << 20;

// Parses fio's stdout: warnings fio prints before the JSON object are skipped. Throws
// FioParseError saying what is wrong ("no JSON object", "jobs[0].write.bw_bytes: not a number").
FioSummary parse_fio_json(std::string_view text);

nlohmann::json to_json(const FioSummary& s);

}  // namespace fuselab::agent
