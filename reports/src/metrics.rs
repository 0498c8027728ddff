//! Decision metrics (design 5): what a policy designer decides on, computed from one run's trace
//! and aggregated over seeds.
//!
//! Per run ([`RunMetrics::from_trace`]), all counts and integer microseconds so that results
//! written to disk and read back are exact:
//! - *time to lock after walking away*: from each `at_desk` `false` of a PC's user to the first
//!   presence-driven `lock` of that PC (`dynamic_lock` or `authentication_signal_lost`) before
//!   the user's next `at_desk` `true`; `None` ("never") if there is none. A walk-away that starts
//!   while the PC is already locked (e.g. the user pressed Windows+L) measures nothing and is
//!   skipped.
//! - *false locks while seated*: presence-driven locks of a PC while one of its users is at the
//!   desk, and the time users spent at desks. A user whose first `at_desk` record is `false` was
//!   at the desk from the start of the run; a user still at the desk at the end stays there
//!   until the last record of the trace.
//! - *unlock availability at the desk*: `unlock` and `unlock_denied` records of a PC while one
//!   of its users is at the desk.
//! - *unlock from afar*: attempts whose `phone_distance_m` exceeds
//!   [`MetricOptions::far_distance_m`], and how many of them unlocked with `trusted_signal` among
//!   the factors.
//!
//! Aggregation ([`AggregateMetrics::from_runs`]) runs sequentially in the order given (seed
//! order), so the result does not depend on how the runs were scheduled. Shares and the
//! false-lock rate pool the counts of every run; every metric carries a 95% interval that
//! respects its range ([`intervals`]: Wilson for shares, Garwood for rates, order statistics
//! for percentiles).

use std::collections::BTreeMap;

use engine::SimTime;
use engine::policy::CredentialProvider;
use engine::trace::{AtDeskRecord, EntityKind, LockRecord, Observed, Trace};
use serde::{Deserialize, Serialize};

pub mod intervals;

/// Options of the metric computation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricOptions {
    /// An unlock attempt with the phone farther than this counts as "from afar".
    pub far_distance_m: f64,
}

impl Default for MetricOptions {
    /// 8 m: beyond a typical office, in the next room.
    fn default() -> Self {
        MetricOptions { far_distance_m: 8.0 }
    }
}

/// The decision metrics of one run, exact (counts and microseconds).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunMetrics {
    /// One entry per walk-away, in trace order: microseconds until the presence-driven lock, or
    /// `None` when the PC did not lock before the user came back or the run ended.
    pub time_to_lock_us: Vec<Option<u64>>,
    /// Total time users spent at their desks.
    pub seated_us: u64,
    /// Presence-driven locks while a user of the PC was at the desk.
    pub false_locks_count: u64,
    /// Unlock attempts at a PC while one of its users was at the desk.
    pub desk_unlock_attempts_count: u64,
    /// Of those, the ones that unlocked.
    pub desk_unlocks_count: u64,
    /// Unlock attempts with the phone beyond the far distance.
    pub far_unlock_attempts_count: u64,
    /// Of those, the ones that unlocked with the trusted signal as a factor.
    pub far_trusted_unlocks_count: u64,
}

#[derive(Debug, Default)]
struct PcState {
    locked: bool,
    /// Users currently at this desk.
    seated_users: std::collections::BTreeSet<String>,
    /// Walk-aways waiting for a lock: (index in `time_to_lock_us`, user, start time).
    open_walk_aways: Vec<(usize, String, u64)>,
}

impl RunMetrics {
    /// Computes the metrics of one run from its trace. `run_end` is when the run stopped (its
    /// scenario's duration): users still seated then count as seated until it. Polls are not
    /// read, so a trace without them gives the same metrics.
    pub fn from_trace(trace: &Trace, run_end: SimTime, options: &MetricOptions) -> RunMetrics {
        let mut metrics = RunMetrics::default();
        let mut pcs: BTreeMap<String, PcState> = BTreeMap::new();
        // (user, pc) -> time the user sat down; users first seen leaving sat from t=0.
        let mut seated_since: BTreeMap<(String, String), u64> = BTreeMap::new();
        let mut seen_at_desk: std::collections::BTreeSet<(String, String)> = Default::default();
        let end_us = run_end.as_us();

        for record in &trace.records {
            let t = record.time.as_us();
            let entity = &record.entity;
            match (entity.kind(), record.observed()) {
                (EntityKind::User, Observed::AtDesk(at_desk)) => {
                    let key = (entity.id().to_string(), at_desk.pc.clone());
                    let first = seen_at_desk.insert(key.clone());
                    let state = pcs.entry(at_desk.pc.clone()).or_default();
                    metrics.at_desk(state, &mut seated_since, key, first, &at_desk, t);
                }
                (EntityKind::Pc, Observed::Lock(lock)) => {
                    metrics.lock(pcs.entry(entity.id().to_string()).or_default(), &lock, t);
                }
                (EntityKind::Pc, Observed::Unlock(unlock)) => {
                    let trusted = unlock.factors.contains(&CredentialProvider::TrustedSignal);
                    let state = pcs.entry(entity.id().to_string()).or_default();
                    metrics.unlock_attempt(state, true, trusted, unlock.phone_distance_m, options);
                }
                (EntityKind::Pc, Observed::UnlockDenied(denied)) => {
                    let state = pcs.entry(entity.id().to_string()).or_default();
                    metrics.unlock_attempt(state, false, false, denied.phone_distance_m, options);
                }
                _ => {}
            }
        }
        for ((_, _), since) in seated_since {
            metrics.seated_us += end_us.saturating_sub(since);
        }
        metrics
    }

    /// A user of a PC sat down or left (`first`: the first `at_desk` of this user and PC).
    fn at_desk(
        &mut self,
        state: &mut PcState,
        seated_since: &mut BTreeMap<(String, String), u64>,
        key: (String, String),
        first: bool,
        at_desk: &AtDeskRecord,
        t: u64,
    ) {
        if at_desk.seated {
            seated_since.entry(key.clone()).or_insert(t);
            state.seated_users.insert(key.0.clone());
            state.open_walk_aways.retain(|(_, u, _)| *u != key.0);
            return;
        }
        let since = match seated_since.remove(&key) {
            Some(since) => Some(since),
            None if first => Some(0),
            None => None,
        };
        if let Some(since) = since {
            self.seated_us += t.saturating_sub(since);
        }
        state.seated_users.remove(&key.0);
        if !state.locked {
            self.time_to_lock_us.push(None);
            state.open_walk_aways.push((self.time_to_lock_us.len() - 1, key.0, t));
        }
    }

    /// A PC locked.
    fn lock(&mut self, state: &mut PcState, lock: &LockRecord, t: u64) {
        state.locked = true;
        if lock.reason.is_presence_driven() {
            if !state.seated_users.is_empty() {
                self.false_locks_count += 1;
            }
            for (index, _, start) in state.open_walk_aways.drain(..) {
                self.time_to_lock_us[index] = Some(t.saturating_sub(start));
            }
        } else {
            // Locked some other way: Dynamic Lock can no longer lock this PC.
            state.open_walk_aways.clear();
        }
    }

    /// An unlock attempt at a PC; `trusted`: the trusted signal was among the factors.
    fn unlock_attempt(
        &mut self,
        state: &mut PcState,
        unlocked: bool,
        trusted: bool,
        phone_distance_m: Option<f64>,
        options: &MetricOptions,
    ) {
        if unlocked {
            state.locked = false;
        }
        if !state.seated_users.is_empty() {
            self.desk_unlock_attempts_count += 1;
            self.desk_unlocks_count += u64::from(unlocked);
        }
        if phone_distance_m.is_some_and(|d| d > options.far_distance_m) {
            self.far_unlock_attempts_count += 1;
            self.far_trusted_unlocks_count += u64::from(unlocked && trusted);
        }
    }

    /// False locks per user-hour while seated, if anyone sat at all.
    pub fn false_locks_per_h(&self) -> Option<f64> {
        (self.seated_us > 0)
            .then(|| self.false_locks_count as f64 / (self.seated_us as f64 / 3.6e9))
    }

    /// Share of desk unlock attempts that unlocked, if there were any.
    pub fn unlock_availability_share(&self) -> Option<f64> {
        ratio(self.desk_unlocks_count, self.desk_unlock_attempts_count)
    }

    /// Share of far attempts that unlocked with the trusted signal, if there were any.
    pub fn unlock_from_afar_share(&self) -> Option<f64> {
        ratio(self.far_trusted_unlocks_count, self.far_unlock_attempts_count)
    }

    /// Share of walk-aways after which the PC never locked, if there were any.
    pub fn never_lock_share(&self) -> Option<f64> {
        let never = self.time_to_lock_us.iter().filter(|t| t.is_none()).count();
        ratio(never as u64, self.time_to_lock_us.len() as u64)
    }

    /// Adds another run's metrics (several scenarios of one sweep point pool their counts).
    pub fn absorb(&mut self, other: &RunMetrics) {
        self.time_to_lock_us.extend_from_slice(&other.time_to_lock_us);
        self.seated_us += other.seated_us;
        self.false_locks_count += other.false_locks_count;
        self.desk_unlock_attempts_count += other.desk_unlock_attempts_count;
        self.desk_unlocks_count += other.desk_unlocks_count;
        self.far_unlock_attempts_count += other.far_unlock_attempts_count;
        self.far_trusted_unlocks_count += other.far_trusted_unlocks_count;
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// A point estimate with its 95% confidence interval, which always contains the estimate and
/// stays inside the metric's range (see [`intervals`] for the method of each metric).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The point estimate: the pooled share or rate over all runs, or for
    /// `time_to_lock_s_mean` the mean over runs.
    pub mean: f64,
    /// Lower end of the 95% confidence interval.
    pub ci95_low: f64,
    /// Upper end of the 95% confidence interval.
    pub ci95_high: f64,
    /// How many runs had a value.
    pub runs_count: u64,
}

/// Two-sided 97.5% quantiles of Student's t for 1..=30 degrees of freedom (any t table, e.g.
/// Abramowitz & Stegun table 26.10).
const T_975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

impl Estimate {
    /// The mean of `values` (summed left to right) and its Student t interval, the lower end
    /// clamped at 0 (for non-negative values such as times); `None` when empty. The interval
    /// collapses to the mean with one value.
    pub fn of(values: &[f64]) -> Option<Estimate> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let half = if n < 2 {
            0.0
        } else {
            let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
            let t = T_975.get(n - 2).copied().unwrap_or(1.960);
            t * (var / n as f64).sqrt()
        };
        let low = if mean >= 0.0 { (mean - half).max(0.0) } else { mean - half };
        Some(Estimate { mean, ci95_low: low, ci95_high: mean + half, runs_count: n as u64 })
    }

    /// A pooled share `successes / trials` with its Wilson interval; `None` without trials.
    pub fn share(successes: u64, trials: u64, runs_count: u64) -> Option<Estimate> {
        let (low, high) = intervals::wilson_share(successes, trials)?;
        let mean = successes.min(trials) as f64 / trials as f64;
        Some(Estimate { mean, ci95_low: low, ci95_high: high, runs_count })
    }

    /// A pooled rate `events / exposure` with Garwood's exact Poisson interval; `None` without
    /// exposure.
    pub fn rate(events: u64, exposure: f64, runs_count: u64) -> Option<Estimate> {
        let (low, high) = intervals::garwood_rate(events, exposure)?;
        Some(Estimate {
            mean: events as f64 / exposure,
            ci95_low: low,
            ci95_high: high,
            runs_count,
        })
    }
}

/// Metrics of one sweep point over all its seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateMetrics {
    /// Runs aggregated.
    pub runs_count: u64,
    /// Walk-aways over all runs.
    pub walk_aways_count: u64,
    /// Percentiles of time to lock over all walk-aways, a walk-away that never locked counting
    /// as infinitely long; `None` when the percentile is "never" or there was no walk-away.
    pub time_to_lock_s_p50: Option<f64>,
    /// 95th percentile time to lock (s), as `time_to_lock_s_p50`.
    pub time_to_lock_s_p95: Option<f64>,
    /// Longest time to lock (s), as `time_to_lock_s_p50`.
    pub time_to_lock_s_max: Option<f64>,
    /// Share of walk-aways that never locked, over all walk-aways.
    pub never_lock_share: Option<f64>,
    /// Mean time to lock per run (over walk-aways that locked).
    pub time_to_lock_s_mean: Option<Estimate>,
    /// False locks per user-hour seated, pooled over runs (all false locks over all seated
    /// hours), with Garwood's interval.
    pub false_locks_per_h: Option<Estimate>,
    /// Share of desk unlock attempts that unlock, pooled over runs, with Wilson's interval.
    pub unlock_availability_share: Option<Estimate>,
    /// Share of far unlock attempts that unlock with the trusted signal, pooled over runs, with
    /// Wilson's interval.
    pub unlock_from_afar_share: Option<Estimate>,
    /// Every walk-away's time to lock (us) over all runs, ascending, `None` (never) last: the
    /// percentiles' order-statistic intervals and the distribution charts read it.
    #[serde(default)]
    pub time_to_lock_us: Vec<Option<u64>>,
    /// The pooled counts behind the shares and the rate.
    #[serde(default)]
    pub counts: PooledCounts,
}

/// The counts of all runs of a point added up: what the shares and the rate are computed from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PooledCounts {
    /// Walk-aways after which the PC never locked.
    pub never_lock_count: u64,
    /// Presence-driven locks while a user of the PC was at the desk.
    pub false_locks_count: u64,
    /// Time users spent at their desks (us).
    pub seated_us: u64,
    /// Unlock attempts at the desk.
    pub desk_unlock_attempts_count: u64,
    /// Of those, the ones that unlocked.
    pub desk_unlocks_count: u64,
    /// Unlock attempts with the phone beyond the far distance.
    pub far_unlock_attempts_count: u64,
    /// Of those, the ones that unlocked with the trusted signal.
    pub far_trusted_unlocks_count: u64,
}

/// Nearest-rank percentile of sorted values (`None` = infinity sorts last).
fn percentile(sorted: &[Option<u64>], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1].map(|us| us as f64 / 1e6)
}

impl AggregateMetrics {
    /// Aggregates runs in the order given (seed order), sequentially: percentiles over all
    /// walk-aways, shares and the false-lock rate over the pooled counts of every run.
    pub fn from_runs(runs: &[RunMetrics]) -> AggregateMetrics {
        let mut all: Vec<Option<u64>> =
            runs.iter().flat_map(|r| r.time_to_lock_us.iter().copied()).collect();
        // `None` (never) sorts after every time.
        all.sort_by_key(|t| t.map_or((1, 0), |us| (0, us)));
        let never = all.iter().filter(|t| t.is_none()).count() as u64;
        let mut total = RunMetrics::default();
        for run in runs {
            total.seated_us += run.seated_us;
            total.false_locks_count += run.false_locks_count;
            total.desk_unlock_attempts_count += run.desk_unlock_attempts_count;
            total.desk_unlocks_count += run.desk_unlocks_count;
            total.far_unlock_attempts_count += run.far_unlock_attempts_count;
            total.far_trusted_unlocks_count += run.far_trusted_unlocks_count;
        }
        let runs_with = |f: &dyn Fn(&RunMetrics) -> bool| runs.iter().filter(|r| f(r)).count();
        let times = runs.iter().filter_map(|r| {
            let locked: Vec<u64> = r.time_to_lock_us.iter().flatten().copied().collect();
            (!locked.is_empty())
                .then(|| locked.iter().sum::<u64>() as f64 / locked.len() as f64 / 1e6)
        });
        AggregateMetrics {
            runs_count: runs.len() as u64,
            walk_aways_count: all.len() as u64,
            time_to_lock_s_p50: percentile(&all, 50.0),
            time_to_lock_s_p95: percentile(&all, 95.0),
            time_to_lock_s_max: percentile(&all, 100.0),
            never_lock_share: ratio(never, all.len() as u64),
            time_to_lock_s_mean: Estimate::of(&times.collect::<Vec<_>>()),
            false_locks_per_h: Estimate::rate(
                total.false_locks_count,
                total.seated_us as f64 / 3.6e9,
                runs_with(&|r| r.seated_us > 0) as u64,
            ),
            unlock_availability_share: Estimate::share(
                total.desk_unlocks_count,
                total.desk_unlock_attempts_count,
                runs_with(&|r| r.desk_unlock_attempts_count > 0) as u64,
            ),
            unlock_from_afar_share: Estimate::share(
                total.far_trusted_unlocks_count,
                total.far_unlock_attempts_count,
                runs_with(&|r| r.far_unlock_attempts_count > 0) as u64,
            ),
            counts: PooledCounts {
                never_lock_count: never,
                false_locks_count: total.false_locks_count,
                seated_us: total.seated_us,
                desk_unlock_attempts_count: total.desk_unlock_attempts_count,
                desk_unlocks_count: total.desk_unlocks_count,
                far_unlock_attempts_count: total.far_unlock_attempts_count,
                far_trusted_unlocks_count: total.far_trusted_unlocks_count,
            },
            time_to_lock_us: all,
        }
    }

    /// The value of one metric, for tables, heat maps and the Pareto front.
    pub fn value(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::TimeToLockP50 => self.time_to_lock_s_p50,
            Metric::TimeToLockP95 => self.time_to_lock_s_p95,
            Metric::TimeToLockMax => self.time_to_lock_s_max,
            Metric::NeverLock => self.never_lock_share,
            Metric::FalseLocks => self.false_locks_per_h.map(|e| e.mean),
            Metric::UnlockAvailability => self.unlock_availability_share.map(|e| e.mean),
            Metric::UnlockFromAfar => self.unlock_from_afar_share.map(|e| e.mean),
        }
    }

    /// The 95% confidence interval of a metric (see [`intervals`] for each method), `None` for
    /// the longest time to lock (a sample maximum has no useful interval) and when there was
    /// nothing to measure. `f64::INFINITY` stands for "never locks" (time to lock) or an
    /// unbounded upper end.
    pub fn interval(&self, metric: Metric) -> Option<(f64, f64)> {
        let estimate = match metric {
            Metric::TimeToLockP50 | Metric::TimeToLockP95 => {
                let p = if metric == Metric::TimeToLockP50 { 50.0 } else { 95.0 };
                let (_, low, high) = intervals::percentile_with_interval(&self.time_to_lock_us, p)?;
                return Some((low, high));
            }
            Metric::TimeToLockMax => None,
            Metric::NeverLock => {
                return intervals::wilson_share(
                    self.counts.never_lock_count,
                    self.walk_aways_count,
                );
            }
            Metric::FalseLocks => self.false_locks_per_h,
            Metric::UnlockAvailability => self.unlock_availability_share,
            Metric::UnlockFromAfar => self.unlock_from_afar_share,
        };
        estimate.map(|e| (e.ci95_low, e.ci95_high))
    }
}

/// Whether a smaller or a larger value of a metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Smaller is better (time to lock, false locks, unlock from afar).
    Lower,
    /// Larger is better (availability).
    Higher,
}

/// A metric a sweep reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Median time to lock after walking away (s).
    #[serde(rename = "time_to_lock_s_p50")]
    TimeToLockP50,
    /// 95th percentile time to lock (s).
    #[serde(rename = "time_to_lock_s_p95")]
    TimeToLockP95,
    /// Longest time to lock (s).
    #[serde(rename = "time_to_lock_s_max")]
    TimeToLockMax,
    /// Share of walk-aways that never lock.
    #[serde(rename = "never_lock_share")]
    NeverLock,
    /// False locks per user-hour while seated.
    #[serde(rename = "false_locks_per_h")]
    FalseLocks,
    /// Share of unlock attempts at the desk that unlock.
    #[serde(rename = "unlock_availability_share")]
    UnlockAvailability,
    /// Share of far unlock attempts that unlock with the trusted signal.
    #[serde(rename = "unlock_from_afar_share")]
    UnlockFromAfar,
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Metric; 7] = [
        Metric::TimeToLockP50,
        Metric::TimeToLockP95,
        Metric::TimeToLockMax,
        Metric::NeverLock,
        Metric::FalseLocks,
        Metric::UnlockAvailability,
        Metric::UnlockFromAfar,
    ];

    /// The column name (units last).
    pub fn name(self) -> &'static str {
        match self {
            Metric::TimeToLockP50 => "time_to_lock_s_p50",
            Metric::TimeToLockP95 => "time_to_lock_s_p95",
            Metric::TimeToLockMax => "time_to_lock_s_max",
            Metric::NeverLock => "never_lock_share",
            Metric::FalseLocks => "false_locks_per_h",
            Metric::UnlockAvailability => "unlock_availability_share",
            Metric::UnlockFromAfar => "unlock_from_afar_share",
        }
    }

    /// A heading for people.
    pub fn label(self) -> &'static str {
        match self {
            Metric::TimeToLockP50 => "Time to lock after walking away, median (s)",
            Metric::TimeToLockP95 => "Time to lock after walking away, 95th percentile (s)",
            Metric::TimeToLockMax => "Time to lock after walking away, longest (s)",
            Metric::NeverLock => "Share of walk-aways that never lock",
            Metric::FalseLocks => "False locks per user-hour while seated",
            Metric::UnlockAvailability => "Unlock availability at the desk",
            Metric::UnlockFromAfar => "Unlock-from-afar risk",
        }
    }

    /// The metric's unit for axis titles and table headings: `s`, `share`, `per h`.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::TimeToLockP50 | Metric::TimeToLockP95 | Metric::TimeToLockMax => "s",
            Metric::NeverLock | Metric::UnlockAvailability | Metric::UnlockFromAfar => "share",
            Metric::FalseLocks => "per h",
        }
    }

    /// Whether the metric is a share (its range is 0..=1).
    pub fn is_share(self) -> bool {
        self.unit() == "share"
    }

    /// Whether the metric is a time to lock (a missing value with walk-aways means "never").
    pub fn is_time_to_lock(self) -> bool {
        self.unit() == "s"
    }

    /// Which direction is better.
    pub fn better(self) -> Better {
        match self {
            Metric::UnlockAvailability => Better::Higher,
            _ => Better::Lower,
        }
    }

    /// Parses a column name.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }
}

#[cfg(test)]
mod tests;
