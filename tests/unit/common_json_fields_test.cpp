// The tolerant JSON readers: whatever a guest or a file on disk holds, they never throw.
#include <gtest/gtest.h>

#include "common/json_fields.h"

namespace fuselab {
namespace {

using nlohmann::json;

TEST(JsonFields, MissingOrMistypedIsAbsent) {
  const json j =
      json::parse(R"({"s": "x", "n": 2.5, "b": true, "o": {"k": 1}, "a": [1], "z": null})");
  EXPECT_EQ(json_string_field(j, "s"), "x");
  EXPECT_EQ(json_string_field(j, "n"), std::nullopt);
  EXPECT_EQ(json_string_field(j, "missing"), std::nullopt);
  EXPECT_EQ(json_double_field(j, "n"), 2.5);
  EXPECT_EQ(json_double_field(j, "s"), std::nullopt);
  EXPECT_EQ(json_bool_field(j, "b"), true);
  EXPECT_EQ(json_bool_field(j, "z"), std::nullopt);
  EXPECT_EQ(json_object_field(j, "o"), json({{"k", 1}}));
  EXPECT_EQ(json_object_field(j, "a"), json::object());
  EXPECT_EQ(json_array_field(j, "a"), json::array({1}));
  EXPECT_EQ(json_array_field(j, "o"), json::array());
}

TEST(JsonFields, NotAnObjectAtAll) {
  for (const json& j : {json(), json(3), json("text"), json::array({1, 2})}) {
    EXPECT_EQ(json_field(j, "k"), nullptr);
    EXPECT_EQ(json_string_field(j, "k"), std::nullopt);
    EXPECT_EQ(json_double_field(j, "k"), std::nullopt);
    EXPECT_EQ(json_int_field<int>(j, "k"), std::nullopt);
  }
}

TEST(JsonFields, IntegersOnlyWhenTheyFit) {
  const json j = json::parse(
      R"({"small": 7, "neg": -1, "big": 18446744073709551615, "huge": 1e30, "frac": 2.5,
          "whole": 4.0, "int_max_plus": 2147483648})");
  EXPECT_EQ(json_int_field<unsigned>(j, "small"), 7u);
  EXPECT_EQ(json_int_field<unsigned>(j, "neg"), std::nullopt);
  EXPECT_EQ(json_int_field<int>(j, "neg"), -1);
  EXPECT_EQ(json_int_field<unsigned long long>(j, "big"), 18446744073709551615ull);
  EXPECT_EQ(json_int_field<unsigned>(j, "big"), std::nullopt);
  EXPECT_EQ(json_int_field<unsigned>(j, "huge"), std::nullopt);  // no undefined float conversion
  EXPECT_EQ(json_int_field<long long>(j, "huge"), std::nullopt);
  EXPECT_EQ(json_int_field<int>(j, "frac"), std::nullopt);
  EXPECT_EQ(json_int_field<int>(j, "whole"), 4);
  EXPECT_EQ(json_int_field<int>(j, "int_max_plus"), std::nullopt);
  EXPECT_EQ(json_int_field<long long>(j, "int_max_plus"), 2147483648ll);
}

TEST(JsonFields, NonFiniteNumbersBuiltInMemoryAreAbsent) {
  const json j = {{"nan", std::nan("")}, {"inf", HUGE_VAL}};
  EXPECT_EQ(json_double_field(j, "nan"), std::nullopt);
  EXPECT_EQ(json_double_field(j, "inf"), std::nullopt);
  EXPECT_EQ(json_int_field<int>(j, "inf"), std::nullopt);
}

}  // namespace
}  // namespace fuselab
