#include "report/html_parts.h"

#include "report/text_escape.h"

namespace fuselab::html {

Colours verdict_colours(Verdict v) {
  switch (v) {
    case Verdict::Pass:
      return {"#2e7d32", "#ffffff"};
    case Verdict::Slow:
      return {"#f9a825", "#000000"};
    case Verdict::Hang:
      return {"#c62828", "#ffffff"};
    case Verdict::Stall:
      return {"#6a1b9a", "#ffffff"};
    case Verdict::Oom:
      return {"#ef6c00", "#000000"};
    case Verdict::Crash:
      return {"#212121", "#ffffff"};
    case Verdict::BootError:
      return {"#4e342e", "#ffffff"};
    case Verdict::Warn:
      return {"#fff176", "#000000"};
    case Verdict::Fail:
      return {"#ad1457", "#ffffff"};
    case Verdict::Infra:
      return {"#78909c", "#ffffff"};
    case Verdict::Skip:
      return {"#e0e0e0", "#000000"};
  }
  return {"#e0e0e0", "#000000"};
}

std::string text(std::string_view untrusted, std::size_t max_bytes) {
  return xml_escape(clean_line(untrusted, max_bytes));
}

std::string cell_href(const std::string& cell_id, std::string_view file) {
  return url_segment(cell_id) + "/" + std::string(file);
}

}  // namespace fuselab::html
