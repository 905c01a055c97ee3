// Guest names (which also name overlay files) must be unique per run, cell and attempt: two
// guests of one run with the same name share an overlay and break each other under -j 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "matrix/plan.h"
#include "run/guest_name.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

// What libvirt, QEMU's -name and socket paths accept without quoting.
void expect_well_formed(const std::string& name) {
  EXPECT_LE(name.size(), 63u) << name;
  EXPECT_EQ(name.rfind("fl-", 0), 0u) << name;
  for (char c : name) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')
        << "'" << c << "' in " << name;
  }
}

TEST(GuestName, UniqueForEveryCellOfEveryShippedPlan) {
  size_t plans = 0, cells = 0;
  for (const auto& entry :
       fs::directory_iterator(fs::path(FUSELAB_TEST_DATA) / ".." / ".." / "configs")) {
    if (entry.path().extension() != ".yaml") continue;
    Plan plan = load_plan(entry.path());
    ++plans;
    std::set<std::string> names;
    for (const auto& cell : plan.cells) {
      for (int attempt = 1; attempt <= 3; ++attempt) {
        std::string name = guest_name("20261201-120000-abcd", cell.id, attempt);
        expect_well_formed(name);
        EXPECT_TRUE(names.insert(name).second)
            << entry.path() << ": " << cell.id << " attempt " << attempt;
      }
      ++cells;
    }
  }
  EXPECT_GE(plans, 4u);
  EXPECT_GE(cells, 48u);  // deadlock.yaml alone has 48, which the old names mapped to 18
}

TEST(GuestName, AdversarialIdsStayApart) {
  const std::string shared(60, 'a');
  std::vector<std::string> ids = {"threads=4",
                                  "threads_4",
                                  "threads-4",
                                  "threads.4",
                                  "threads,4",
                                  "threads 4",
                                  "threads/4",
                                  shared + "=1",
                                  shared + "_1",
                                  shared + "=2",
                                  shared,
                                  shared + "x",
                                  "backend=memory,threads=4,writeback_cache=true",
                                  "backend_memory_threads_4_writeback_cache_true",
                                  "",
                                  "=",
                                  "_",
                                  "-",
                                  "..",
                                  "\xc3\xa9t\xc3\xa9",
                                  "\xe9t\xe9",
                                  std::string(300, '='),
                                  std::string(300, '_'),
                                  "a\nb",
                                  "a\tb",
                                  "$(reboot)",
                                  "x;y",
                                  "../../etc"};
  std::set<std::string> names;
  for (const auto& id : ids) {
    std::string name = guest_name("r", id, 1);
    expect_well_formed(name);
    EXPECT_TRUE(names.insert(name).second) << "'" << id << "' -> " << name;
  }
  // The readable part stays readable.
  EXPECT_NE(guest_name("r", "threads=4", 1).find("threads_4"), std::string::npos);
}

TEST(GuestName, DiffersByRunAndAttemptAndIsStable) {
  EXPECT_NE(guest_name("s1", "base", 1), guest_name("s2", "base", 1));
  EXPECT_NE(guest_name("s1", "base", 1), guest_name("s1", "base", 2));
  EXPECT_NE(guest_name("s1", "base", 1), guest_name("s1", "base", 11));
  EXPECT_EQ(guest_name("s1", "base", 1), guest_name("s1", "base", 1));
}

}  // namespace
}  // namespace fuselab
