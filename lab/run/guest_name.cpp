#include "run/guest_name.h"

#include <fmt/format.h>

#include <cctype>

#include "common/hash.h"

namespace fuselab {

std::string guest_name(const std::string& run_id, const std::string& cell_id, int attempt) {
  // 24 readable characters are enough to recognise a cell in `virsh list`; the hash is the key.
  std::string readable = cell_id.substr(0, 24);
  for (char& c : readable) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') c = '_';
  }
  // SHA-256, not std::hash: the name must be the same in every build and process (tests and the
  // sweep of a later run recognise it), and 48 bits make a collision within a plan negligible.
  const std::string run_tag = sha256_hex(run_id).substr(0, 6);
  const std::string cell_tag = sha256_hex(cell_id).substr(0, 12);
  return fmt::format("fl-{}-{}-{}-{}", run_tag, readable, cell_tag, attempt);
}

}  // namespace fuselab
