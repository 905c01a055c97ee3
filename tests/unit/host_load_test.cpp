// The host's load average: /proc/loadavg's text parsed strictly, the busy-host warning's
// threshold, and the record in run.json.
#include "common/host_load.h"

#include <gtest/gtest.h>

namespace fuselab {
namespace {

TEST(HostLoad, ParsesTheThreeAveragesOfProcLoadavg) {
  auto load = parse_load_average("0.91 1.51 1.22 2/415 32165\n");
  ASSERT_TRUE(load.has_value());
  EXPECT_DOUBLE_EQ((*load)[0], 0.91);
  EXPECT_DOUBLE_EQ((*load)[1], 1.51);
  EXPECT_DOUBLE_EQ((*load)[2], 1.22);
  EXPECT_TRUE(read_load_average().has_value()) << "this Linux host's own /proc/loadavg";
}

TEST(HostLoad, AnythingElseIsNoReading) {
  for (const char* bad : {"", "0.91", "0.91 1.51", "a b c", "0.91 1.51 x", "-1 0 0", "nan 1 1",
                          "1,5 1 1", "0.91\t1.51\t1.22"})
    EXPECT_FALSE(parse_load_average(bad).has_value()) << bad;
  EXPECT_FALSE(read_load_average("/nonexistent/loadavg").has_value());
}

TEST(HostLoad, WarnsAboveHalfTheCpus) {
  EXPECT_EQ(busy_host_warning({1.0, 0, 0}, 2), "");
  const std::string w = busy_host_warning({1.44, 1.7, 1.5}, 2);
  EXPECT_NE(w.find("load average 1.44 on 2 CPUs"), std::string::npos) << w;
  EXPECT_NE(w.find("nothing else on the machine"), std::string::npos) << w;
  EXPECT_EQ(busy_host_warning({7.0, 0, 0}, 16), "");
}

TEST(HostLoad, RunJsonRecordHasNullForAMissingReading) {
  auto j = host_load_json(2, LoadAverage{0.5, 0.25, 0.125}, std::nullopt);
  EXPECT_EQ(j["cpus"], 2);
  EXPECT_EQ(j["before"], nlohmann::json({0.5, 0.25, 0.125}));
  EXPECT_TRUE(j["after"].is_null());
}

}  // namespace
}  // namespace fuselab
