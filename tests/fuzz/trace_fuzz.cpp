// libFuzzer harness: summarize_trace must never crash, hang or break its bounds on any input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "report/trace_summary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = fuselab::summarize_trace(text);
  if (s["counts"].size() > 256 || s["unfinished"].size() > 64 || s["events"].get<long long>() < 0)
    std::abort();
  (void)s.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
