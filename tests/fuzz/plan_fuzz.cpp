// libFuzzer harness: any text given as a plan ends in a Plan or a UserError (a clear message for
// the user, exit 2). Any other exception, a crash, a hang or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "common/safe_name.h"
#include "matrix/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    fuselab::Plan plan = fuselab::parse_plan(text, "fuzz.yaml");
    // What the rest of the lab relies on for every plan that loads.
    if (plan.cells.empty() || plan.cells.size() > fuselab::kMaxCells) std::abort();
    for (const auto& c : plan.cells) {
      if (!fuselab::is_safe_cell_id(c.id)) std::abort();
    }
  } catch (const fuselab::UserError&) {
    // expected: bad input, reported with file:line:key
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not a UserError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
