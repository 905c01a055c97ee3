#include "matrix/shard.h"

#include <algorithm>
#include <cstdint>

#include "common/error.h"
#include "config/plan_loader.h"

namespace fuselab {
namespace {

// FNV-1a: tiny, and the same on every host and compiler (std::hash is not).
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

Shard parse_shard(const std::string& text) {
  auto slash = text.find('/');
  unsigned long k = 0, n = 0;
  try {
    if (slash != std::string::npos) {
      size_t used_k = 0, used_n = 0;
      k = std::stoul(text.substr(0, slash), &used_k);
      n = std::stoul(text.substr(slash + 1), &used_n);
      if (used_k != slash || used_n != text.size() - slash - 1) k = 0;
    }
  } catch (const std::exception&) {
    k = 0;
  }
  if (k < 1 || n < 1 || k > n || n > 1000) {
    throw UserError("bad --shard '" + text + "'", "want K/N with 1 <= K <= N, e.g. --shard 2/4");
  }
  return {static_cast<unsigned>(k), static_cast<unsigned>(n)};
}

bool in_shard(const std::string& cell_id, const Shard& shard) {
  return fnv1a(cell_id) % shard.count == shard.index - 1;
}

Plan select_shard(const Plan& plan, const Shard& shard) {
  Plan out = plan;
  out.cells.clear();
  for (const auto& c : plan.cells) {
    if (in_shard(c.id, shard)) out.cells.push_back(c);
  }
  return out;
}

Plan select_cells(const Plan& plan, const std::vector<std::string>& ids) {
  std::vector<std::string> known;
  for (const auto& c : plan.cells) known.push_back(c.id);
  for (const auto& id : ids) {
    if (std::find(known.begin(), known.end(), id) == known.end()) {
      std::string near = closest_match(id, known);
      throw UserError("plan " + plan.source + " has no cell '" + id + "'",
                      near.empty() ? "fuselab plan " + plan.source + " lists the cells"
                                   : "did you mean '" + near + "'?");
    }
  }
  Plan selected = plan;
  selected.cells.clear();
  for (const auto& c : plan.cells) {
    if (std::find(ids.begin(), ids.end(), c.id) != ids.end()) selected.cells.push_back(c);
  }
  return selected;
}

}  // namespace fuselab
