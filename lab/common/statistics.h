// The statistics behind `fuselab compare` and report.html's repeat charts (in common, below
// both): a summary of one cell's repeats, a bootstrap confidence interval on the ratio of two
// medians, and the Mann-Whitney U test. The methods are the field's (mmtests' compare-kernels:
// CIs that do not overlap; google/benchmark's compare.py: U per repetition at alpha 0.05), made
// more careful in one way: the interval is on the ratio itself, so "slower by 3 % ± 2 %" is one
// figure, not two intervals to compare by eye.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace fuselab::stats {

struct Interval {
  double low = 0;
  double high = 0;
};

struct Summary {
  std::size_t n = 0;
  double median = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1); 0 for one sample
  double cv = 0;      // stddev / mean; 0 when the mean is 0
  double min = 0;
  double max = 0;
  std::optional<Interval> median_ci;  // 95 % bootstrap percentile interval; n >= 3 only
};

double median(std::span<const double> values);

// Resamples are drawn with a fixed seed: the same data give the same interval on every run, so
// a report regenerated later says what the gate saw.
inline constexpr unsigned kBootstrapResamples = 10000;
inline constexpr std::uint64_t kBootstrapSeed = 0x66757365'6c616221ULL;

Summary summarize(std::span<const double> values);

// 95 % percentile-bootstrap interval of median(b) / median(a), resampling each side on its own
// (the boots are independent). nullopt when a side has fewer than 2 values or a resampled median
// of `a` is 0.
std::optional<Interval> ratio_of_medians_ci(std::span<const double> a, std::span<const double> b,
                                            double confidence = 0.95);

struct MannWhitney {
  double u = 0;        // U of sample a: the number of pairs (x in a, y in b) with x > y, ties 1/2
  double p = 1;        // two-sided p-value
  bool exact = false;  // from the exact distribution (no ties, both sides <= kExactMax)
};
inline constexpr std::size_t kExactMax = 30;

// Two-sided Mann-Whitney U test; exact when there are no ties and both samples are small, else
// the normal approximation with tie and continuity corrections (scipy's "asymptotic" method).
// nullopt when a sample is empty.
std::optional<MannWhitney> mann_whitney_u(std::span<const double> a, std::span<const double> b);

// The smallest p-value n_a vs n_b repeats can give at all (two-sided, exact): 3 vs 3 cannot go
// below 0.1, so a plan comparing at alpha 0.05 needs at least 4 boots a side.
double smallest_possible_p(std::size_t n_a, std::size_t n_b);

}  // namespace fuselab::stats
