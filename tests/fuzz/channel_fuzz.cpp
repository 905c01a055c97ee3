// libFuzzer harness over the host's reading of the agent channel: guest bytes split into lines
// (in chunks the fuzzer chooses) and each line parsed as an agent message, then the typed field
// accessors the runner uses. Nothing may throw, crash or exceed the splitter's bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "channel/agent_message.h"
#include "common/json_fields.h"
#include "protocol/line_splitter.h"

namespace {

constexpr size_t kMaxLine = 4096;  // small, so the fuzzer reaches the overlong path

void check_message(const std::string& line) {
  fuselab::AgentMessage m = fuselab::parse_agent_message(line);
  if (m.type == fuselab::AgentMessageType::Invalid) {
    if (m.problem.empty()) std::abort();
    return;
  }
  if (!m.body.is_object()) std::abort();
  for (const char* key : {"t", "bytes", "mib_per_s", "error", "stage", "fio", "threads", "ok"}) {
    (void)fuselab::json_u64(m.body, key);
    (void)fuselab::json_number(m.body, key);
    (void)fuselab::json_string(m.body, key);
    (void)fuselab::json_bool(m.body, key);
    (void)fuselab::json_int_field<int>(m.body, key);
    (void)fuselab::json_int_field<unsigned>(m.body, key);
    (void)fuselab::json_double_field(m.body, key);
    (void)fuselab::json_object_field(m.body, key);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the chunk size: lines cut across reads must come out the same.
  size_t chunk = 1 + data[0] % 64;
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  fuselab::protocol::LineSplitter splitter(kMaxLine);
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    for (const auto& line : splitter.feed(bytes.substr(at, chunk))) {
      if (line.size() > kMaxLine || line.find('\n') != std::string::npos) std::abort();
      check_message(line);
    }
  }
  std::string rest = splitter.take_rest();
  if (rest.size() > kMaxLine) std::abort();
  check_message(rest);
  return 0;
}
