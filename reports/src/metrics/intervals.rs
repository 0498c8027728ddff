//! 95% confidence intervals that stay inside their metric's range: a share's interval never
//! leaves 0..=1, a rate's and a time's never go below 0, and every interval contains its point
//! estimate.
//!
//! - Shares (never-lock share, unlock availability, unlock from afar): the Wilson score interval
//!   of the pooled counts. Source: E. B. Wilson, "Probable inference, the law of succession, and
//!   statistical inference", JASA 22 (1927) 209-212; recommended over the Wald interval by
//!   Brown, Cai & DasGupta, "Interval estimation for a binomial proportion", Statistical
//!   Science 16 (2001) 101-133.
//! - Rates per hour (false locks per seated hour): the exact Poisson interval of Garwood,
//!   "Fiducial limits for the Poisson distribution", Biometrika 28 (1936) 437-442:
//!   `[chi2(a/2; 2k) / 2, chi2(1 - a/2; 2k + 2) / 2] / exposure`, with the chi-square quantiles
//!   of `statrs`.
//! - Percentiles (time to lock p50, p95): the distribution-free interval between two order
//!   statistics, whose ranks come from the binomial distribution of how many values fall below
//!   the true percentile. Source: Hahn & Meeker, "Statistical Intervals" (Wiley, 1991), section
//!   5.2; Conover, "Practical Nonparametric Statistics" (3rd ed., 1999), section 3.2.

use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};

/// The two-sided confidence level of every interval in the reports (a convention, not a
/// measurement).
pub const CONFIDENCE_LEVEL: f64 = 0.95;

/// The probability left out on each side.
const TAIL_PROBABILITY: f64 = (1.0 - CONFIDENCE_LEVEL) / 2.0;

/// The standard normal quantile of 0.975 (Abramowitz & Stegun, table 26.5).
const Z_975: f64 = 1.959_963_984_540_054;

/// The Wilson score interval of `successes` out of `trials` (`successes` above `trials` counts
/// as `trials`), clamped to `0..=1` and widened by rounding to contain `successes / trials`;
/// `None` without trials.
pub fn wilson_share(successes: u64, trials: u64) -> Option<(f64, f64)> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let share = successes.min(trials) as f64 / n;
    let z2 = Z_975 * Z_975;
    let denominator = 1.0 + z2 / n;
    let centre = (share + z2 / (2.0 * n)) / denominator;
    let half = Z_975 * (share * (1.0 - share) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some(((centre - half).clamp(0.0, share), (centre + half).clamp(share, 1.0)))
}

/// Garwood's exact interval of a Poisson rate: `events` seen over `exposure` (any unit; the
/// interval is per that unit), clamped to contain `events / exposure` and never below 0; `None`
/// without a positive finite exposure.
pub fn garwood_rate(events: u64, exposure: f64) -> Option<(f64, f64)> {
    if !(exposure.is_finite() && exposure > 0.0) {
        return None;
    }
    let k = events as f64;
    let rate = k / exposure;
    let chi2 = |freedom: f64, p: f64| ChiSquared::new(freedom).map(|d| d.inverse_cdf(p));
    let low = if events == 0 { Ok(0.0) } else { chi2(2.0 * k, TAIL_PROBABILITY) };
    let high = chi2(2.0 * k + 2.0, 1.0 - TAIL_PROBABILITY);
    let low = low.map_or(0.0, |q| q / 2.0 / exposure);
    let high = high.map_or(f64::INFINITY, |q| q / 2.0 / exposure);
    Some((low.clamp(0.0, rate), if high.is_nan() { f64::INFINITY } else { high.max(rate) }))
}

/// The 1-based ranks `(low, high)` of the order statistics bounding the `p`-th percentile
/// (`0 < p <= 100`) of `n` values: `low` is the largest rank with `P(B <= low - 1) <= 2.5%` and
/// `high` the smallest with `P(B >= high) <= 2.5%`, `B ~ Binomial(n, p / 100)`; `None` on a side
/// where even the extreme value is not far enough (the interval is unbounded there). `None`
/// when `n` is 0.
pub fn percentile_ranks(n: u64, p: f64) -> Option<(Option<u64>, Option<u64>)> {
    if n == 0 {
        return None;
    }
    let share = (p / 100.0).clamp(0.0, 1.0);
    let binomial = Binomial::new(share, n).ok()?;
    // P(B <= r - 1) grows with r: the ranks that satisfy the lower condition form a prefix.
    let below = |r: u64| r == 0 || binomial.cdf(r - 1) <= TAIL_PROBABILITY;
    let low = partition_point(n, below).filter(|&r| r >= 1);
    // P(B >= r) = 1 - P(B <= r - 1) shrinks with r: the ranks that fail form a prefix.
    let above = |r: u64| 1.0 - binomial.cdf(r - 1) > TAIL_PROBABILITY;
    let high = partition_point(n, above).map_or(Some(1), |r| (r < n).then_some(r + 1));
    Some((low, high))
}

/// The largest `r` in `1..=n` with `holds(r)`, for a `holds` true on a prefix; `None` when it
/// holds for none. A binary search: at most 64 steps.
fn partition_point(n: u64, holds: impl Fn(u64) -> bool) -> Option<u64> {
    let (mut lo, mut hi) = (0u64, n);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if holds(mid) { lo = mid } else { hi = mid - 1 }
    }
    (lo >= 1).then_some(lo)
}

/// The nearest-rank percentile of `sorted` (ascending, `None` = never, sorting last) and its
/// distribution-free interval, in seconds; `f64::INFINITY` stands for never or unbounded. The
/// lower end is 0 when no rank is low enough; the interval always contains the estimate.
/// `None` when `sorted` is empty.
pub fn percentile_with_interval(sorted: &[Option<u64>], p: f64) -> Option<(f64, f64, f64)> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let seconds = |rank: usize| sorted[rank - 1].map_or(f64::INFINITY, |us| us as f64 / 1e6);
    let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as usize;
    let rank = rank.min(n);
    let (low, high) = percentile_ranks(n as u64, p)?;
    let estimate = seconds(rank);
    let low = low.map_or(0.0, |r| seconds(usize::try_from(r).unwrap_or(n).min(rank)));
    let high = high.map_or(f64::INFINITY, |r| seconds(usize::try_from(r).unwrap_or(n).max(rank)));
    Some((estimate, low, high))
}
