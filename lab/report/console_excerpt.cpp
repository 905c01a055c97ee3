#include "report/console_excerpt.h"

#include <fstream>
#include <vector>

#include "report/cell_metrics.h"
#include "report/text_escape.h"

namespace fuselab {
namespace {

// Lines [first, first + kExcerptLines) of the file, 1-based, stopping at max_bytes.
std::string lines_from(std::ifstream& in, std::size_t first, std::size_t max_bytes) {
  std::string line, out;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (n < first) continue;
    if (n >= first + kExcerptLines || out.size() >= max_bytes) break;
    out += line;
    out += '\n';
  }
  return out;
}

// The last kExcerptLines lines within the last max_bytes of the file.
std::string tail(std::ifstream& in, std::size_t max_bytes) {
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > static_cast<std::streamoff>(max_bytes)
                                   ? size - static_cast<std::streamoff>(max_bytes)
                                   : 0;
  in.seekg(start);
  std::string buf(static_cast<std::size_t>(size - start), '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  // Drop a partial first line, then keep the last kExcerptLines lines.
  if (start > 0) {
    auto nl = buf.find('\n');
    buf.erase(0, nl == std::string::npos ? 0 : nl + 1);
  }
  std::size_t pos = buf.size(), lines = 0;
  if (pos > 0 && buf[pos - 1] == '\n') --pos;
  while (pos > 0) {
    if (buf[pos - 1] == '\n' && ++lines == kExcerptLines) break;
    --pos;
  }
  return buf.substr(pos);
}

}  // namespace

std::string console_excerpt(const CellResult& c, const std::filesystem::path& cell_dir,
                            std::size_t max_bytes) {
  const nlohmann::json* report = decisive_report(c);
  if (report && report->is_object()) {
    auto it = report->find("excerpt");
    if (it != report->end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      return clean_text(it->get_ref<const std::string&>(), max_bytes);
    }
  }
  std::ifstream in(cell_dir / "console.log", std::ios::binary);
  if (!in) return {};
  std::size_t first = 0;
  if (report && report->is_object()) {
    auto it = report->find("first_line");
    // Parsed JSON holds it unsigned, a json built in memory signed: take any positive integer.
    if (it != report->end() && it->is_number_integer() && it->get<long long>() > 0) {
      first = it->get<std::size_t>();
    }
  }
  std::string raw = first > 0 ? lines_from(in, first, max_bytes) : std::string();
  if (raw.empty()) {  // no report, or its lines are not in this console (a retried attempt)
    in.clear();
    raw = tail(in, max_bytes);
  }
  return clean_text(raw, max_bytes);
}

}  // namespace fuselab
