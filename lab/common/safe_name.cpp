#include "common/safe_name.h"

namespace fuselab {

bool is_safe_name(std::string_view name, std::size_t max_length, bool matrix) {
  if (name.empty() || name.size() > max_length) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front())) return false;
  for (char c : name) {
    bool ok = alnum(c) || c == '_' || c == '.' || c == '-' || (matrix && (c == ',' || c == '='));
    if (!ok) return false;
  }
  return true;
}

}  // namespace fuselab
