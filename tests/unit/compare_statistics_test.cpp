// The statistics of `fuselab compare` against reference values: scipy.stats.mannwhitneyu's own
// documented example (exact and asymptotic), closed forms of the exact U distribution, and
// bootstrap intervals that must hold the truth on data whose answer is known.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/statistics.h"

namespace fuselab::stats {
namespace {

TEST(CompareStatistics, MedianOddEvenAndEmpty) {
  EXPECT_EQ(median(std::vector<double>{3, 1, 2}), 2);
  EXPECT_EQ(median(std::vector<double>{4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median(std::vector<double>{}), 0);
}

TEST(CompareStatistics, SummaryMatchesHandComputedFigures) {
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  const auto s = summarize(v);
  EXPECT_EQ(s.n, 8u);
  EXPECT_DOUBLE_EQ(s.mean, 5);
  EXPECT_DOUBLE_EQ(s.median, 4.5);
  EXPECT_NEAR(s.stddev, std::sqrt(32.0 / 7), 1e-12);  // sample sd, n - 1
  EXPECT_NEAR(s.cv, std::sqrt(32.0 / 7) / 5, 1e-12);
  EXPECT_EQ(s.min, 2);
  EXPECT_EQ(s.max, 9);
  ASSERT_TRUE(s.median_ci.has_value());
  EXPECT_LE(s.median_ci->low, 4.5);
  EXPECT_GE(s.median_ci->high, 4.5);
  EXPECT_GE(s.median_ci->low, 2);
  EXPECT_LE(s.median_ci->high, 9);
  EXPECT_FALSE(summarize(std::vector<double>{1, 2}).median_ci.has_value());  // too few to resample
  EXPECT_EQ(summarize(std::vector<double>{7}).stddev, 0);
}

// scipy's documentation: males = [19, 22, 16, 29, 24], females = [20, 11, 17, 12];
// mannwhitneyu(males, females) -> statistic 17.0, pvalue 0.1111111111111111 (exact), and
// method="asymptotic" -> pvalue 0.11134688653314041.
TEST(CompareStatistics, MannWhitneyMatchesScipyExample) {
  const std::vector<double> males{19, 22, 16, 29, 24}, females{20, 11, 17, 12};
  const auto r = mann_whitney_u(males, females);
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->u, 17);
  EXPECT_TRUE(r->exact);
  EXPECT_NEAR(r->p, 1.0 / 9, 1e-12);
  // Symmetric: the other sample's U is n_a * n_b - U, the p-value the same.
  const auto back = mann_whitney_u(females, males);
  EXPECT_DOUBLE_EQ(back->u, 3);
  EXPECT_NEAR(back->p, 1.0 / 9, 1e-12);
}

// With ties: the normal approximation with tie and continuity corrections (scipy's method
// "asymptotic"): U = 4.5, variance 25/12 * (11 - 12/110) = 22.22, p = 0.111611768.
TEST(CompareStatistics, MannWhitneyWithTiesUsesCorrectedNormalApproximation) {
  const std::vector<double> a{1, 2, 2, 3, 4}, b{2, 3, 5, 6, 7};
  const auto r = mann_whitney_u(a, b);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->exact);
  EXPECT_DOUBLE_EQ(r->u, 4.5);
  EXPECT_NEAR(r->p, 0.11161176829829222, 1e-9);
}

TEST(CompareStatistics, MannWhitneyLargeSamplesAndDegenerateCases) {
  std::vector<double> low, high;
  for (int i = 1; i <= 40; ++i) {
    low.push_back(i);
    high.push_back(i + 40);
  }
  const auto r = mann_whitney_u(low, high);
  EXPECT_FALSE(r->exact);  // 40 > kExactMax
  EXPECT_EQ(r->u, 0);
  EXPECT_NEAR(r->p, 1.435085306393683e-14, 1e-16);
  // Every value equal: no evidence either way.
  const std::vector<double> same{5, 5, 5};
  EXPECT_EQ(mann_whitney_u(same, same)->p, 1);
  EXPECT_FALSE(mann_whitney_u(std::vector<double>{}, same).has_value());
}

// The exact floor is 2 / C(n_a + n_b, n_a): 3 boots a side can never be significant at 0.05.
TEST(CompareStatistics, SmallestPossiblePIsTwoOverBinomial) {
  EXPECT_NEAR(smallest_possible_p(3, 3), 2.0 / 20, 1e-12);
  EXPECT_NEAR(smallest_possible_p(4, 4), 2.0 / 70, 1e-12);
  EXPECT_NEAR(smallest_possible_p(5, 5), 2.0 / 252, 1e-12);
  EXPECT_NEAR(smallest_possible_p(2, 3), 2.0 / 10, 1e-12);
  EXPECT_EQ(smallest_possible_p(1, 1), 1);
  EXPECT_EQ(smallest_possible_p(0, 4), 1);
}

TEST(CompareStatistics, RatioIntervalHoldsTheTrueRatio) {
  const std::vector<double> a{100, 101, 99, 100, 102, 98}, half{50, 50.5, 49.5, 50, 51, 49};
  const auto ci = ratio_of_medians_ci(a, half);
  ASSERT_TRUE(ci.has_value());
  EXPECT_LE(ci->low, 0.5);
  EXPECT_GE(ci->high, 0.5);
  EXPECT_GT(ci->low, 0.47);
  EXPECT_LT(ci->high, 0.53);
  // The same data twice: the interval holds 1 (an A/A comparison).
  const auto aa = ratio_of_medians_ci(a, a);
  EXPECT_LE(aa->low, 1);
  EXPECT_GE(aa->high, 1);
  // A fixed seed: the same interval every time.
  const auto again = ratio_of_medians_ci(a, half);
  EXPECT_EQ(ci->low, again->low);
  EXPECT_EQ(ci->high, again->high);
  EXPECT_FALSE(ratio_of_medians_ci(std::vector<double>{1}, a).has_value());
  EXPECT_FALSE(ratio_of_medians_ci(std::vector<double>{0, 0, 0}, a).has_value());
}

}  // namespace
}  // namespace fuselab::stats
