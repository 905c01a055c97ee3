#include <gtest/gtest.h>

#include <set>

#include "common/error.h"
#include "matrix/plan.h"
#include "matrix/shard.h"

namespace fuselab {
namespace {

TEST(Shard, PartitionsThePlanDisjointlyAndCompletely) {
  Plan plan = parse_plan(
      "axes:\n  threads: [1, 2, 3, 4]\n  block_kib: [4, 64, 1024]\n  fsync: [true, false]\n",
      "s.yaml");
  ASSERT_EQ(plan.cells.size(), 24u);
  for (unsigned n : {1u, 2u, 3u, 5u}) {
    std::multiset<std::string> seen;
    for (unsigned k = 1; k <= n; ++k) {
      for (const auto& c : select_shard(plan, {k, n}).cells) seen.insert(c.id);
    }
    EXPECT_EQ(seen.size(), plan.cells.size()) << n << " shards";
    for (const auto& c : plan.cells) EXPECT_EQ(seen.count(c.id), 1u) << c.id;
  }
}

TEST(Shard, ACellKeepsItsShardWhenOthersAreAdded) {
  Plan small = parse_plan("axes:\n  threads: [1, 2]\n", "a.yaml");
  Plan big = parse_plan("axes:\n  threads: [1, 2, 3, 4, 5, 6]\n", "b.yaml");
  for (unsigned k = 1; k <= 3; ++k) {
    auto big_shard = select_shard(big, {k, 3});
    for (const auto& c : select_shard(small, {k, 3}).cells) {
      bool found = false;
      for (const auto& b : big_shard.cells) found = found || b.id == c.id;
      EXPECT_TRUE(found) << c.id;
    }
  }
}

TEST(Shard, ParsesAndRejects) {
  Shard s = parse_shard("2/4");
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.count, 4u);
  for (const char* bad : {"0/4", "5/4", "1/0", "2", "a/b", "1/4x", "", "-1/2"}) {
    EXPECT_THROW(parse_shard(bad), UserError) << bad;
  }
}

TEST(SelectCells, KeepsPlanOrderAndNamesTheClosestId) {
  Plan plan = parse_plan("axes:\n  threads: [1, 4]\n  writeback_cache: [false, true]\n", "p.yaml");
  Plan two = select_cells(plan, {"threads=4", "writeback_cache=true"});
  ASSERT_EQ(two.cells.size(), 2u);
  EXPECT_EQ(two.cells[0].id, plan.cells[1].id);  // the last axis varies fastest
  EXPECT_EQ(two.cells[1].id, plan.cells[2].id);
  try {
    select_cells(plan, {"threads=5"});
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("has no cell 'threads=5'"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("threads=4"), std::string::npos) << e.hint();
  }
}

}  // namespace
}  // namespace fuselab
