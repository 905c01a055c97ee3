// libFuzzer harness: parse_console must never crash, hang or break its bounds on any input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "console/kernel_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view log(reinterpret_cast<const char*>(data), size);
  auto reports = fuselab::parse_console(log);
  for (const auto& r : reports) {
    if (r.frames.size() > 64 || r.excerpt.size() > 16384 || r.title.size() > 160 ||
        r.first_line > r.last_line || r.first_line == 0) {
      std::abort();
    }
  }
  (void)fuselab::group_reports(reports);
  return 0;
}
