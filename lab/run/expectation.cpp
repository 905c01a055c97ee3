#include "run/expectation.h"

namespace fuselab {

bool verdict_expected(std::string_view expect, std::string_view verdict_name) {
  size_t begin = 0;
  while (begin <= expect.size()) {
    size_t end = expect.find('|', begin);
    if (end == std::string::npos) end = expect.size();
    if (!verdict_name.empty() && expect.substr(begin, end - begin) == verdict_name) return true;
    begin = end + 1;
  }
  return false;
}

bool expectation_met(const CellSpec& cell, Verdict verdict, const std::string& signature) {
  if (verdict == Verdict::Skip) return true;
  if (!verdict_expected(cell.expect, to_string(verdict))) return false;
  return cell.expect_signature.empty() ||
         signature.find(cell.expect_signature) != std::string::npos;
}

}  // namespace fuselab
