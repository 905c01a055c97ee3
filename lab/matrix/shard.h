// Deterministic plan shards for CI: shard K of N keeps the cells whose id hashes to K-1 mod N.
// Hashing the id (not the position) keeps a cell in its shard when other cells come and go.
#pragma once

#include <string>
#include <vector>

#include "config/cell_spec.h"

namespace fuselab {

struct Shard {
  unsigned index = 1;  // K, 1-based
  unsigned count = 1;  // N
};

// "K/N" with 1 <= K <= N <= 1000; UserError otherwise.
Shard parse_shard(const std::string& text);
bool in_shard(const std::string& cell_id, const Shard& shard);
Plan select_shard(const Plan& plan, const Shard& shard);

// Only the cells with these ids, in plan order (`fuselab run --cell ID`: one cell of a big plan,
// to reproduce it or to test it in CI). UserError naming the closest id for an id not in the plan.
Plan select_cells(const Plan& plan, const std::vector<std::string>& ids);

}  // namespace fuselab
