#include "common/statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace fuselab::stats {
namespace {

double quantile_sorted(const std::vector<double>& sorted, double q) {
  // Linear interpolation between closest ranks (numpy's default, R type 7).
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double resampled_median(std::span<const double> values, std::mt19937_64& rng,
                        std::vector<double>& scratch) {
  std::uniform_int_distribution<std::size_t> pick(0, values.size() - 1);
  scratch.resize(values.size());
  for (auto& v : scratch) v = values[pick(rng)];
  return median(scratch);
}

// Number of arrangements of n_a a's and n_b b's for each U (pairs with a after b), by the
// recurrence N(i, j, u) = N(i - 1, j, u - j) + N(i, j - 1, u).
std::vector<double> u_distribution(std::size_t n_a, std::size_t n_b) {
  const std::size_t max_u = n_a * n_b;
  // counts[j][u] for the current i.
  std::vector<std::vector<double>> prev(n_b + 1, std::vector<double>(max_u + 1, 0.0));
  for (std::size_t j = 0; j <= n_b; ++j) prev[j][0] = 1;  // i = 0: one arrangement, U = 0
  for (std::size_t i = 1; i <= n_a; ++i) {
    std::vector<std::vector<double>> cur(n_b + 1, std::vector<double>(max_u + 1, 0.0));
    cur[0][0] = 1;
    for (std::size_t j = 1; j <= n_b; ++j) {
      for (std::size_t u = 0; u <= i * j; ++u) {
        double from_a = u >= j ? prev[j][u - j] : 0.0;  // the last element is an a: +j pairs
        cur[j][u] = from_a + cur[j - 1][u];
      }
    }
    prev = std::move(cur);
  }
  return prev[n_b];
}

double exact_two_sided_p(double u, std::size_t n_a, std::size_t n_b) {
  const auto counts = u_distribution(n_a, n_b);
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  const auto k = static_cast<std::size_t>(std::llround(u));
  double lower = 0, upper = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (i <= k) lower += counts[i];
    if (i >= k) upper += counts[i];
  }
  return std::min(1.0, 2.0 * std::min(lower, upper) / total);
}

}  // namespace

double median(std::span<const double> values) {
  if (values.empty()) return 0;
  std::vector<double> v(values.begin(), values.end());
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  if (v.size() % 2 == 1) return v[mid];
  const double upper = v[mid];
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

Summary summarize(std::span<const double> values) {
  Summary s;
  s.n = values.size();
  if (s.n == 0) return s;
  s.median = median(values);
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(s.n);
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  s.min = *lo;
  s.max = *hi;
  if (s.n > 1) {
    double sq = 0;
    for (double v : values) sq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(s.n - 1));
  }
  s.cv = s.mean != 0 ? s.stddev / s.mean : 0;
  if (s.n >= 3) {
    std::mt19937_64 rng(kBootstrapSeed);
    std::vector<double> medians, scratch;
    medians.reserve(kBootstrapResamples);
    for (unsigned i = 0; i < kBootstrapResamples; ++i)
      medians.push_back(resampled_median(values, rng, scratch));
    std::sort(medians.begin(), medians.end());
    s.median_ci = Interval{quantile_sorted(medians, 0.025), quantile_sorted(medians, 0.975)};
  }
  return s;
}

std::optional<Interval> ratio_of_medians_ci(std::span<const double> a, std::span<const double> b,
                                            double confidence) {
  if (a.size() < 2 || b.size() < 2) return std::nullopt;
  std::mt19937_64 rng(kBootstrapSeed);
  std::vector<double> ratios, scratch;
  ratios.reserve(kBootstrapResamples);
  for (unsigned i = 0; i < kBootstrapResamples; ++i) {
    const double base = resampled_median(a, rng, scratch);
    const double other = resampled_median(b, rng, scratch);
    if (base == 0) return std::nullopt;
    ratios.push_back(other / base);
  }
  std::sort(ratios.begin(), ratios.end());
  const double tail = (1 - confidence) / 2;
  return Interval{quantile_sorted(ratios, tail), quantile_sorted(ratios, 1 - tail)};
}

std::optional<MannWhitney> mann_whitney_u(std::span<const double> a, std::span<const double> b) {
  if (a.empty() || b.empty()) return std::nullopt;
  const std::size_t n_a = a.size(), n_b = b.size(), n = n_a + n_b;
  // Mid-ranks of the pooled sample; `ties` collects sum(t^3 - t) for the variance correction.
  std::vector<std::pair<double, bool>> pooled;  // (value, from a)
  pooled.reserve(n);
  for (double v : a) pooled.emplace_back(v, true);
  for (double v : b) pooled.emplace_back(v, false);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  double rank_sum_a = 0, ties = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k) {
      if (pooled[k].second) rank_sum_a += mid_rank;
    }
    ties += t * t * t - t;
    i = j;
  }
  const double da = static_cast<double>(n_a), db = static_cast<double>(n_b);
  MannWhitney r;
  r.u = rank_sum_a - da * (da + 1) / 2;
  if (ties == 0 && n_a <= kExactMax && n_b <= kExactMax) {
    r.exact = true;
    r.p = exact_two_sided_p(r.u, n_a, n_b);
    return r;
  }
  const double dn = static_cast<double>(n);
  const double mean_u = da * db / 2;
  const double var_u = da * db / 12 * ((dn + 1) - ties / (dn * (dn - 1)));
  if (var_u <= 0) return r;  // every value equal: no evidence of a difference, p = 1
  // Continuity correction toward the mean, as scipy does.
  const double z = (std::abs(r.u - mean_u) - 0.5) / std::sqrt(var_u);
  r.p = std::min(1.0, std::erfc(std::max(z, 0.0) / std::sqrt(2.0)));
  return r;
}

double smallest_possible_p(std::size_t n_a, std::size_t n_b) {
  if (n_a == 0 || n_b == 0) return 1;
  if (n_a > kExactMax || n_b > kExactMax) return 0;
  return exact_two_sided_p(0, n_a, n_b);
}

}  // namespace fuselab::stats
