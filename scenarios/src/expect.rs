//! Expectations judged on traces.
//!
//! Per-run expectations must hold in every run; a failure names the first run (by seed) where it
//! did not and says what happened instead. Statistical expectations aggregate over all runs.
//!
//! Judging streams: a [`Judge`] observes each run's trace once, in seed order, and keeps only
//! small aggregates, so memory does not grow with the number of runs (see [`Judge`] for what
//! each kind keeps). [`describe`] and [`check_run`] dispatch on the kind; each per-run kind has
//! one leaf `check_*(trace, ...) -> Result<String, Miss>` below them. Records are read through
//! their typed payloads (`engine::trace::{LockRecord, UnlockRecord, ...}`).

use engine::policy::CredentialProvider;
use engine::recovery::ResetKind;
use engine::time::{SimDuration, SimTime};
use engine::trace::{
    AtDeskRecord, EventLogRecord, LockReason, LockRecord, Observed, PinResetFailedRecord,
    SignInDeniedRecord, SignInRecord, Trace, TraceRecord, UnlockDeniedRecord, UnlockRecord,
    WifiChange,
};
use serde::Serialize;

use crate::model::{AssociatedWith, Comparison, Expectation, Scenario};
use crate::runner::RunOutput;

/// Most failing runs one per-run expectation lists in [`ExpectationResult::failed_runs`]: the
/// first ones in seed order. The rest are counted ([`ExpectationResult::failed_runs_omitted`]
/// and each group's count), so what a failing expectation keeps does not grow with the runs.
/// Unknown; chosen, range 20..1,000 (every failing run of the bundled suites' 20-run scenarios
/// is listed, and 100 failures with their repro lines are already more than a person reads).
pub const FAILED_RUNS_KEPT_MAX: usize = 100;

/// The verdict on one expectation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectationResult {
    pub description: String,
    pub passed: bool,
    /// What happened (on failure: instead of what was expected).
    pub detail: String,
    /// The seed of the first run where it failed, for the repro line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_seed: Option<u64>,
    /// The simulated time around which it failed, for the timeline excerpt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_at_s: Option<f64>,
    /// The first [`FAILED_RUNS_KEPT_MAX`] runs where a per-run expectation did not hold, in
    /// seed order (empty when it passed and for statistical expectations, which are judged over
    /// all runs together).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_runs: Vec<FailedRun>,
    /// Failing runs not listed in `failed_runs` (past [`FAILED_RUNS_KEPT_MAX`]); 0 when every
    /// one is listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub failed_runs_omitted: usize,
    /// Every way a per-run expectation failed with how many runs failed that way (listed or
    /// not), in order of its first seed; empty when it passed. The ways are the leaves' fixed
    /// wording (`locked late`, `no lock after 2m`, `denied (event 5520)`), a few per kind.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_groups: Vec<FailedGroup>,
}

/// One way a per-run expectation failed, and in how many runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedGroup {
    /// What happened, as [`FailedRun::what`] words it.
    pub what: String,
    /// How many runs failed this way, including those not listed in `failed_runs`.
    pub runs_count: usize,
}

impl ExpectationResult {
    /// How many runs failed in all (listed or not); 0 for a statistical expectation.
    pub fn failed_runs_count(&self) -> usize {
        self.failed_runs.len() + self.failed_runs_omitted
    }
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

/// One run in which a per-run expectation did not hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedRun {
    /// The run's seed (its repro: `unlocksim run FILE --seed SEED --runs 1`).
    pub seed: u64,
    /// What happened, in words shared by every run that failed the same way
    /// (`no lock after 2m`, `locked late`): the summary groups failing runs by it.
    pub what: String,
    /// What happened in this run, with its times.
    pub detail: String,
    /// The simulated time around which it failed, in seconds, for the timeline excerpt.
    pub at_s: f64,
}

/// How one run missed a per-run expectation: the group it falls in (see [`FailedRun::what`]),
/// what happened, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    what: String,
    detail: String,
    at: SimTime,
}

/// A [`Miss`] whose group is `what` and whose detail is `detail`.
fn miss(what: impl Into<String>, detail: String, at: SimTime) -> Miss {
    Miss { what: what.into(), detail, at }
}

impl ExpectationResult {
    fn passed(description: String, detail: String) -> ExpectationResult {
        ExpectationResult {
            description,
            passed: true,
            detail,
            failed_seed: None,
            failed_at_s: None,
            failed_runs: Vec::new(),
            failed_runs_omitted: 0,
            failed_groups: Vec::new(),
        }
    }
}

fn t(time: SimTime) -> String {
    time.since_start().to_string()
}

/// A measured time (when something happened in a run) rounded for people: `3 m 01 s`.
fn seen(time: SimTime) -> String {
    engine::time::human_s(time.as_s_f64())
}

/// A measured duration rounded for people, for statistics in messages: `46.4 s`.
fn ms(duration: SimDuration) -> String {
    engine::time::human_s(duration.as_s_f64())
}

/// The records of PC `pc`, in trace order.
fn pc_records<'a>(trace: &'a Trace, pc: &'a str) -> impl Iterator<Item = &'a TraceRecord> {
    trace.records.iter().filter(move |r| r.entity.is_pc(pc))
}

/// The locks of PC `pc`, in trace order.
fn locks<'a>(trace: &'a Trace, pc: &'a str) -> impl Iterator<Item = (SimTime, LockRecord)> + 'a {
    pc_records(trace, pc).filter_map(|r| r.read::<LockRecord>().map(|lock| (r.time, lock)))
}

fn locks_listed(trace: &Trace, pc: &str) -> String {
    let listed: Vec<String> = locks(trace, pc)
        .map(|(time, lock)| match lock_phone(&lock) {
            Some(phone) => format!("{} ({}, {phone})", seen(time), lock.reason.name()),
            None => format!("{} ({})", seen(time), lock.reason.name()),
        })
        .collect();
    if listed.is_empty() {
        "no lock at all".into()
    } else {
        format!("locks at {}", listed.join(", "))
    }
}

/// The first presence-driven lock of `pc` at or after `after`.
pub fn presence_lock_after(trace: &Trace, pc: &str, after: SimTime) -> Option<SimTime> {
    locks(trace, pc)
        .find(|(time, lock)| *time >= after && lock.reason.is_presence_driven())
        .map(|(time, _)| time)
}

/// Seated intervals of `pc`'s user, from `at_desk` records, closed at `end`.
pub fn seated_intervals(trace: &Trace, pc: &str, end: SimTime) -> Vec<(SimTime, SimTime)> {
    let mut intervals = Vec::new();
    let mut since = None;
    for record in &trace.records {
        let Some(at_desk) = record.read::<AtDeskRecord>() else { continue };
        if at_desk.pc != pc {
            continue;
        }
        match (at_desk.seated, since) {
            (true, None) => since = Some(record.time),
            (false, Some(start)) => {
                intervals.push((start, record.time));
                since = None;
            }
            _ => {}
        }
    }
    if let Some(start) = since {
        intervals.push((start, end));
    }
    intervals
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[SimDuration], p: f64) -> SimDuration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Judges every expectation of `scenario` on `runs` (in the order given, seed order): a
/// [`Judge`] fed every run.
pub fn judge(scenario: &Scenario, runs: &[RunOutput]) -> Vec<ExpectationResult> {
    let mut judge = Judge::new(scenario);
    for run in runs {
        judge.observe(run.seed, &run.trace);
    }
    judge.finish()
}

/// The streaming judge of one scenario's expectations: [`Judge::observe`] each run once, in
/// seed order, then [`Judge::finish`]. What it keeps does not grow with the runs, except one
/// time to lock per run that locks for each `lock_after_walk_away` (8 bytes a run, for its
/// exact percentiles):
/// - a per-run expectation: the last passing run's detail, the first
///   [`FAILED_RUNS_KEPT_MAX`] failing runs and a count per way of failing;
/// - `false_locks_per_hour_*`: the lock count, the seated time and the first false lock.
#[derive(Debug)]
pub struct Judge<'s> {
    end: SimTime,
    runs_count: usize,
    first_seed: Option<u64>,
    tallies: Vec<(&'s Expectation, Tally)>,
}

/// What one expectation keeps between runs.
#[derive(Debug)]
enum Tally {
    PerRun(PerRunTally),
    /// Sorted at the end: every run's time to lock, and the first run that never locked.
    WalkAway {
        times: Vec<SimDuration>,
        never_seed: Option<u64>,
    },
    /// A `compare_interpretations`: its runs judged as a per-run expectation, and the two
    /// sides' total counts.
    Comparison {
        tally: PerRunTally,
        totals: (usize, usize),
        compared_count: usize,
    },
    /// Presence-driven locks while seated, seated seconds, and the first such lock.
    FalseLocks {
        locks_count: usize,
        seated_s: f64,
        first: Option<(u64, SimTime)>,
    },
}

#[derive(Debug, Default)]
struct PerRunTally {
    last_ok: String,
    failed_runs: Vec<FailedRun>,
    failed_runs_omitted: usize,
    failed_groups: Vec<FailedGroup>,
}

impl<'s> Judge<'s> {
    /// A judge of `scenario`'s expectations, before any run.
    pub fn new(scenario: &'s Scenario) -> Judge<'s> {
        let tallies = scenario
            .expectations
            .iter()
            .map(|expectation| {
                let tally = match expectation {
                    Expectation::LockAfterWalkAway { .. } => {
                        Tally::WalkAway { times: Vec::new(), never_seed: None }
                    }
                    Expectation::FalseLocksPerHourMax { .. }
                    | Expectation::FalseLocksPerHourMin { .. } => {
                        Tally::FalseLocks { locks_count: 0, seated_s: 0.0, first: None }
                    }
                    Expectation::CompareInterpretations(_) => Tally::Comparison {
                        tally: PerRunTally::default(),
                        totals: (0, 0),
                        compared_count: 0,
                    },
                    _ => Tally::PerRun(PerRunTally::default()),
                };
                (expectation, tally)
            })
            .collect();
        let end = SimTime::ZERO.saturating_add(scenario.duration);
        Judge { end, runs_count: 0, first_seed: None, tallies }
    }

    /// Judges one run. Returns whether a failure may name it (the first run, the first run a
    /// per-run expectation fails in, the first that never locks or locks falsely): the caller
    /// keeps those runs for the failures' timeline excerpts, and only those.
    pub fn observe(&mut self, seed: u64, trace: &Trace) -> bool {
        self.runs_count += 1;
        let mut named = self.first_seed.is_none();
        self.first_seed.get_or_insert(seed);
        let end = self.end;
        for (expectation, tally) in &mut self.tallies {
            named |= match tally {
                Tally::PerRun(tally) => match check_run(expectation, trace, end) {
                    Some(verdict) => tally.add(seed, verdict),
                    None => false,
                },
                Tally::WalkAway { times, never_seed } => {
                    let Expectation::LockAfterWalkAway { pc, after, .. } = expectation else {
                        continue;
                    };
                    let lock = presence_lock_after(trace, pc, *after);
                    if let Some(time) = lock {
                        times.push(time.saturating_duration_since(*after));
                    }
                    let first_never = lock.is_none() && never_seed.is_none();
                    if first_never {
                        *never_seed = Some(seed);
                    }
                    first_never
                }
                Tally::Comparison { .. } => false,
                Tally::FalseLocks { locks_count, seated_s, first } => {
                    let pc = false_locks_pc(expectation);
                    let had_first = first.is_some();
                    tally_false_locks(trace, pc, end, seed, (locks_count, seated_s, first));
                    !had_first && first.is_some()
                }
            };
        }
        named
    }

    /// Judges the `compare_interpretations` expectation at `index` (in the scenario's order) on
    /// one seed: `counts` are its metric under the left and the right side's interpretations, from
    /// that seed's runs of each side ([`metric_count`]). Returns whether it is the first failing
    /// seed. A call for an index that is not a comparison is a programmer error.
    pub fn observe_comparison(&mut self, index: usize, seed: u64, counts: (usize, usize)) -> bool {
        let (expectation, tally) = &mut self.tallies[index];
        let (
            Expectation::CompareInterpretations(c),
            Tally::Comparison { tally, totals, compared_count },
        ) = (expectation, tally)
        else {
            panic!("expectation {index} is not a compare_interpretations");
        };
        *compared_count += 1;
        totals.0 += counts.0;
        totals.1 += counts.1;
        let counted = |n: usize| count_of(c.metric, n);
        let detail = format!(
            "{} under the left side, {} under the right",
            counted(counts.0),
            counted(counts.1)
        );
        let verdict = if c.relation.holds(counts.0, counts.1) {
            Ok(detail)
        } else {
            let what = format!("left {} right does not hold", c.relation.symbol());
            Err(miss(what, detail, SimTime::ZERO))
        };
        tally.add(seed, verdict)
    }

    /// The verdict on every expectation, in the scenario's order.
    pub fn finish(self) -> Vec<ExpectationResult> {
        let (end, runs_count, first_seed) = (self.end, self.runs_count, self.first_seed);
        self.tallies
            .into_iter()
            .map(|(expectation, tally)| {
                let description = describe(expectation, end);
                match tally {
                    Tally::PerRun(tally) => tally.result(description, runs_count),
                    Tally::Comparison { tally, totals, compared_count } => {
                        let Expectation::CompareInterpretations(c) = expectation else {
                            unreachable!("a comparison tally belongs to a comparison")
                        };
                        judge_comparison(c, tally, totals, compared_count)
                    }
                    Tally::WalkAway { mut times, never_seed } => {
                        times.sort();
                        let Expectation::LockAfterWalkAway {
                            after,
                            p50_max,
                            p95_max,
                            max,
                            min,
                            never_share_max,
                            ..
                        } = expectation
                        else {
                            unreachable!("a walk-away tally belongs to a walk-away expectation")
                        };
                        let bounds = ([*p50_max, *p95_max, *max], *min, *never_share_max);
                        let seeds = (never_seed, first_seed);
                        judge_walk_away(description, &times, runs_count, *after, bounds, seeds)
                    }
                    Tally::FalseLocks { locks_count, seated_s, first } => {
                        let measured = (locks_count, seated_s, first, first_seed);
                        judge_false_locks(description, expectation, measured)
                    }
                }
            })
            .collect()
    }
}

impl PerRunTally {
    /// Adds one run's verdict; returns whether it is the first failing run.
    fn add(&mut self, seed: u64, verdict: Result<String, Miss>) -> bool {
        let Miss { what, detail, at } = match verdict {
            Ok(detail) => {
                self.last_ok = detail;
                return false;
            }
            Err(miss) => miss,
        };
        let first = self.failed_groups.is_empty();
        match self.failed_groups.iter_mut().find(|g| g.what == what) {
            Some(group) => group.runs_count += 1,
            None => self.failed_groups.push(FailedGroup { what: what.clone(), runs_count: 1 }),
        }
        if self.failed_runs.len() < FAILED_RUNS_KEPT_MAX {
            self.failed_runs.push(FailedRun { seed, what, detail, at_s: at.as_s_f64() });
        } else {
            self.failed_runs_omitted += 1;
        }
        first
    }

    /// Passes with the last run's detail, or fails naming the failing runs (by seed); `detail`
    /// and `failed_seed` then describe the first.
    fn result(self, description: String, runs_count: usize) -> ExpectationResult {
        if let Some(first) = self.failed_runs.first() {
            return ExpectationResult {
                description,
                passed: false,
                detail: format!("seed {}: {}", first.seed, first.detail),
                failed_seed: Some(first.seed),
                failed_at_s: Some(first.at_s),
                failed_runs: self.failed_runs,
                failed_runs_omitted: self.failed_runs_omitted,
                failed_groups: self.failed_groups,
            };
        }
        let detail = if runs_count > 1 {
            format!("{} (all {runs_count} runs)", self.last_ok)
        } else {
            self.last_ok
        };
        ExpectationResult::passed(description, detail)
    }
}

/// What an expectation says, as the summary and JUnit name it.
pub fn describe(expectation: &Expectation, end: SimTime) -> String {
    match expectation {
        Expectation::LockedWithin { pc, after, within, reason, phone } => {
            let what = reason.map_or(String::new(), |r| format!(" ({})", r.name()));
            let by = phone.as_ref().map_or(String::new(), |p| format!(" for {p}"));
            format!("{pc} locks{what}{by} within {within} after {}", t(*after))
        }
        Expectation::NeverLocked { pc, from, to } => {
            format!("{pc} never locks between {} and {}", t(*from), t(to.unwrap_or(end)))
        }
        Expectation::Unlock { pc, at, succeeds, factors, event_id } => {
            describe_unlock(pc, *at, *succeeds, factors.as_deref(), *event_id)
        }
        Expectation::EventLogged { pc, id, after } => {
            format!("{pc} logs event {id} at or after {}", t(*after))
        }
        Expectation::PinReset { pc, at, succeeds, reset } => {
            let want = if *succeeds { "succeeds" } else { "fails" };
            let kind = reset.map_or(String::new(), |r| format!(" ({})", r.name()));
            format!("PIN reset at {pc} at {} {want}{kind}", t(*at))
        }
        Expectation::LockAfterWalkAway { pc, after, .. } => {
            let bounds = walk_away_bounds(expectation).join(", ");
            format!("{pc}: lock after walking away at {}: {bounds}", t(*after))
        }
        Expectation::EventsInOrder { pc, ids, after } => {
            let listed: Vec<String> = ids.iter().map(u32::to_string).collect();
            format!("{pc} logs events {} in order at or after {}", listed.join(" then "), t(*after))
        }
        Expectation::Notified { pc, contains, after } => {
            format!("{pc} shows a notification containing \"{contains}\" at or after {}", t(*after))
        }
        Expectation::Presence { pc, phone, present, from, to } => {
            let word = if *present { "present" } else { "absent" };
            format!("{pc} judges {phone} {word} from {} to {}", t(*from), t(to.unwrap_or(end)))
        }
        Expectation::LockDistance { pc, after, reason, distance_m_min, distance_m_max } => {
            describe_lock_distance(pc, *after, *reason, (*distance_m_min, *distance_m_max))
        }
        Expectation::Associated { pc, at, with } => describe_associated(pc, *at, with),
        Expectation::CompareInterpretations(comparison) => describe_comparison(comparison),
        Expectation::FalseLocksPerHourMax { pc, value } => {
            format!("{pc}: at most {value} false locks per hour seated")
        }
        Expectation::FalseLocksPerHourMin { pc, value } => {
            format!("{pc}: at least {value} false locks per hour seated")
        }
    }
}

/// The bounds a `lock_after_walk_away` states: `p95 <= 1m15s`, `never-lock share <= 0`.
fn walk_away_bounds(expectation: &Expectation) -> Vec<String> {
    let Expectation::LockAfterWalkAway { p50_max, p95_max, max, min, never_share_max, .. } =
        expectation
    else {
        return Vec::new();
    };
    let maxima = [("p50", p50_max), ("p95", p95_max), ("max", max)];
    let mut stated: Vec<String> = maxima
        .iter()
        .filter_map(|(name, bound)| bound.map(|bound| format!("{name} <= {bound}")))
        .collect();
    stated.extend(min.map(|min| format!("min >= {min}")));
    stated.push(format!("never-lock share <= {never_share_max}"));
    stated
}

/// `unlock at PC at T succeeds with [pin, fingerprint] (event 3520)`.
fn describe_unlock(
    pc: &str,
    at: SimTime,
    succeeds: bool,
    factors: Option<&[CredentialProvider]>,
    event_id: Option<u32>,
) -> String {
    let want = if succeeds { "succeeds" } else { "is denied" };
    let with = factors.map_or(String::new(), |f| format!(" with [{}]", factor_names(f).join(", ")));
    let event = event_id.map_or(String::new(), |id| format!(" (event {id})"));
    format!("unlock at {pc} at {} {want}{with}{event}", t(at))
}

/// One run's verdict on a per-run expectation (a dispatcher, one leaf per kind); `None` for a
/// statistical one, which [`Judge`] aggregates itself.
pub fn check_run(
    expectation: &Expectation,
    trace: &Trace,
    end: SimTime,
) -> Option<Result<String, Miss>> {
    Some(match expectation {
        Expectation::LockedWithin { pc, after, within, reason, phone } => {
            check_locked_within(trace, pc, (*after, *within), *reason, phone.as_deref())
        }
        Expectation::NeverLocked { pc, from, to } => {
            check_never_locked(trace, pc, *from, to.unwrap_or(end))
        }
        Expectation::Unlock { pc, at, succeeds, factors, event_id } => {
            check_unlock(trace, pc, *at, *succeeds, factors.as_deref(), *event_id)
        }
        Expectation::EventLogged { pc, id, after } => check_event_logged(trace, pc, *id, *after),
        Expectation::PinReset { pc, at, succeeds, reset } => {
            check_pin_reset(trace, pc, *at, *succeeds, *reset)
        }
        Expectation::EventsInOrder { pc, ids, after } => {
            check_events_in_order(trace, pc, ids, *after)
        }
        Expectation::Notified { pc, contains, after } => {
            check_notified(trace, pc, contains, *after)
        }
        Expectation::Presence { pc, phone, present, from, to } => {
            check_presence(trace, pc, phone, *present, (*from, to.unwrap_or(end)))
        }
        Expectation::LockDistance { pc, after, reason, distance_m_min, distance_m_max } => {
            check_lock_distance(trace, pc, *after, *reason, (*distance_m_min, *distance_m_max))
        }
        Expectation::Associated { pc, at, with } => check_associated(trace, pc, *at, with),
        // Judged on runs of its own ([`Judge::observe_comparison`]), not on this run's trace.
        Expectation::CompareInterpretations(_)
        | Expectation::LockAfterWalkAway { .. }
        | Expectation::FalseLocksPerHourMax { .. }
        | Expectation::FalseLocksPerHourMin { .. } => return None,
    })
}

fn factor_names(factors: &[CredentialProvider]) -> Vec<&'static str> {
    factors.iter().map(|f| f.name()).collect()
}

/// The phone a lock names (the one Dynamic Lock found gone), if any.
fn lock_phone(lock: &LockRecord) -> Option<&str> {
    lock.detail.get("phone").and_then(serde_json::Value::as_str)
}

fn check_locked_within(
    trace: &Trace,
    pc: &str,
    (after, within): (SimTime, SimDuration),
    reason: Option<LockReason>,
    phone: Option<&str>,
) -> Result<String, Miss> {
    let deadline = after.saturating_add(within);
    let wanted = |lock: &LockRecord| {
        reason.is_none_or(|want| lock.reason == want)
            && phone.is_none_or(|want| lock_phone(lock) == Some(want))
    };
    locks(trace, pc)
        .find(|(time, lock)| *time >= after && *time <= deadline && wanted(lock))
        .map(|(time, lock)| format!("locked at {} ({})", seen(time), lock.reason.name()))
        .ok_or_else(|| {
            let later: Vec<(SimTime, LockRecord)> =
                locks(trace, pc).filter(|(time, _)| *time >= after).collect();
            let what = if later.iter().any(|(_, lock)| wanted(lock)) {
                "locked late".to_string()
            } else if later.is_empty() {
                format!("no lock after {}", t(after))
            } else if phone.is_some() {
                "locked for another reason or phone".to_string()
            } else {
                "locked for another reason".to_string()
            };
            let detail = format!("not locked by {}: {}", t(deadline), locks_listed(trace, pc));
            miss(what, detail, deadline)
        })
}

fn check_never_locked(
    trace: &Trace,
    pc: &str,
    from: SimTime,
    until: SimTime,
) -> Result<String, Miss> {
    match locks(trace, pc).find(|(time, _)| *time >= from && *time <= until) {
        Some((time, lock)) => {
            let reason = lock.reason.name();
            let detail = format!("locked at {} ({reason})", seen(time));
            Err(miss(format!("locked ({reason})"), detail, time))
        }
        None => Ok("no lock".into()),
    }
}

/// What happened at an unlock expectation's time.
enum Attempt {
    Unlocked(UnlockRecord),
    Denied(UnlockDeniedRecord),
    /// A password or smart card sign-in (the provider's name).
    SignedIn(String),
    SignInDenied(SignInDeniedRecord),
}

/// The attempt at `pc` at `at`: the Hello attempt, or the sign-in outside Hello (design 3.5b)
/// when no Hello attempt was made then or the one made was denied.
fn attempt_at(trace: &Trace, pc: &str, at: SimTime) -> Option<Attempt> {
    let attempt = pc_records(trace, pc).filter(|r| r.time == at).find_map(|r| match r.observed() {
        Observed::Unlock(unlock) => Some(Attempt::Unlocked(unlock)),
        Observed::UnlockDenied(denied) => Some(Attempt::Denied(denied)),
        _ => None,
    });
    // A sign-in (design 3.5b) is the attempt when no Hello attempt was made at that time,
    // or the one that followed a denied Hello attempt.
    let sign_in = pc_records(trace, pc).filter(|r| r.time == at).find_map(|r| {
        r.read::<SignInRecord>().map(|signed_in| signed_in.credential.name().to_owned())
    });
    match (attempt, sign_in) {
        (None | Some(Attempt::Denied(_)), Some(credential)) => Some(Attempt::SignedIn(credential)),
        (attempt, _) => attempt.or_else(|| {
            pc_records(trace, pc)
                .filter(|r| r.time == at)
                .find_map(|r| r.read::<SignInDeniedRecord>().map(Attempt::SignInDenied))
        }),
    }
}

fn check_unlock(
    trace: &Trace,
    pc: &str,
    at: SimTime,
    succeeds: bool,
    factors: Option<&[CredentialProvider]>,
    event_id: Option<u32>,
) -> Result<String, Miss> {
    let attempt = attempt_at(trace, pc, at);
    let (happened, success, factors_ok) = match attempt {
        None => {
            let detail = format!("no unlock attempt at {pc} at {}", t(at));
            return Err(miss("no unlock attempt", detail, at));
        }
        // A PC that was not locked is re-authenticated, not unlocked: neither outcome.
        Some(Attempt::Unlocked(unlock)) if !unlock.was_locked => {
            let names = factor_names(&unlock.factors).join(", ");
            let detail = format!("the PC was not locked: re-authenticated with [{names}]");
            return Err(miss("the PC was not locked", detail, at));
        }
        Some(Attempt::Unlocked(unlock)) => (
            format!("unlocked with [{}]", factor_names(&unlock.factors).join(", ")),
            true,
            factors.is_none_or(|want| want == unlock.factors.as_slice()),
        ),
        // A denial and a sign-in have no factors: an expected list cannot match one.
        Some(Attempt::Denied(denied)) => (
            format!("denied (event {}): {}", denied.event_id, denied.reason),
            false,
            factors.is_none_or(<[CredentialProvider]>::is_empty),
        ),
        Some(Attempt::SignedIn(credential)) => (
            format!("signed in with {credential} (not a multi-factor unlock)"),
            true,
            factors.is_none_or(<[CredentialProvider]>::is_empty),
        ),
        Some(Attempt::SignInDenied(denied)) => (
            format!("{} sign-in denied: {}", denied.credential.name(), denied.reason),
            false,
            factors.is_none_or(<[CredentialProvider]>::is_empty),
        ),
    };
    let event_ok = event_id.is_none_or(|id| {
        pc_records(trace, pc)
            .filter(|r| r.time == at)
            .filter_map(TraceRecord::read::<EventLogRecord>)
            .any(|logged| logged.id == id)
    });
    if success == succeeds && factors_ok && event_ok {
        Ok(happened)
    } else {
        Err(miss(attempt_group(&happened), happened, at))
    }
}

/// The group of a failed attempt expectation's run: what happened without its reason (the
/// text before the first `:`), as in `denied (event 5520)`.
fn attempt_group(happened: &str) -> String {
    happened.split(':').next().unwrap_or(happened).to_string()
}

fn check_event_logged(trace: &Trace, pc: &str, id: u32, after: SimTime) -> Result<String, Miss> {
    let logged: Vec<(SimTime, u32)> = pc_records(trace, pc)
        .filter_map(|r| r.read::<EventLogRecord>().map(|event| (r.time, event.id)))
        .collect();
    match logged.iter().find(|(time, logged_id)| *time >= after && *logged_id == id) {
        Some((time, _)) => Ok(format!("logged at {}", seen(*time))),
        None => {
            let all: Vec<String> =
                logged.iter().map(|(time, id)| format!("{id} at {}", seen(*time))).collect();
            let detail = format!("not logged; logged: [{}]", all.join(", "));
            Err(miss("not logged", detail, after))
        }
    }
}

fn check_pin_reset(
    trace: &Trace,
    pc: &str,
    at: SimTime,
    succeeds: bool,
    reset: Option<ResetKind>,
) -> Result<String, Miss> {
    let attempt = pc_records(trace, pc).filter(|r| r.time == at).find_map(|r| match r.observed() {
        Observed::PinResetSucceeded(done) => Some(Ok(done)),
        Observed::PinResetFailed(failed) => Some(Err(failed)),
        _ => None,
    });
    let (happened, success, kind_ok) = match attempt {
        None => {
            let detail = format!("no PIN reset attempt at {pc} at {}", t(at));
            return Err(miss("no PIN reset attempt", detail, at));
        }
        Some(Ok(done)) => (
            format!("reset ({})", done.reset),
            true,
            reset.is_none_or(|want| done.reset == want.name()),
        ),
        Some(Err(failed)) => {
            (format!("failed: blocked by {}", blocked_by_json(&failed)), false, reset.is_none())
        }
    };
    if success == succeeds && kind_ok {
        Ok(happened)
    } else {
        Err(miss(attempt_group(&happened), happened, at))
    }
}

/// The blocking reasons as the JSON list they are recorded as (`["a","b"]`).
fn blocked_by_json(failed: &PinResetFailedRecord) -> String {
    serde_json::Value::from(failed.blocked_by.clone()).to_string()
}

/// Judges `ids` logged by `pc` in this order (others possibly between) at or after `after`.
fn check_events_in_order(
    trace: &Trace,
    pc: &str,
    ids: &[u32],
    after: SimTime,
) -> Result<String, Miss> {
    let logged: Vec<(SimTime, u32)> = pc_records(trace, pc)
        .filter(|r| r.time >= after)
        .filter_map(|r| r.read::<EventLogRecord>().map(|event| (r.time, event.id)))
        .collect();
    let mut found = logged.iter();
    let mut last = after;
    for id in ids {
        match found.find(|(_, logged_id)| logged_id == id) {
            Some((time, _)) => last = *time,
            None => {
                let all: Vec<String> =
                    logged.iter().map(|(time, id)| format!("{id} at {}", seen(*time))).collect();
                let detail =
                    format!("no {id} after the ones before it; logged: [{}]", all.join(", "));
                return Err(miss(format!("{id} missing or out of order"), detail, last));
            }
        }
    }
    Ok(format!("in order, the last at {}", seen(last)))
}

/// Judges a notification of `pc` containing `contains` at or after `after`.
fn check_notified(trace: &Trace, pc: &str, contains: &str, after: SimTime) -> Result<String, Miss> {
    let shown: Vec<(SimTime, &str)> = pc_records(trace, pc)
        .filter(|r| r.kind == "notification" && r.time >= after)
        .map(|r| (r.time, r.payload["text"].as_str().unwrap_or_default()))
        .collect();
    match shown.iter().find(|(_, text)| text.contains(contains)) {
        Some((time, text)) => Ok(format!("\"{text}\" at {}", seen(*time))),
        None if shown.is_empty() => {
            Err(miss("no notification", "no notification at all".into(), after))
        }
        None => {
            let texts: Vec<String> = shown.iter().map(|(_, text)| format!("\"{text}\"")).collect();
            let detail = format!("other notifications: {}", texts.join(", "));
            Err(miss("other notifications", detail, after))
        }
    }
}

/// Judges `pc` judging `phone` present (or absent) throughout `interval`: its last presence
/// verdict at or before the start, and every one inside.
fn check_presence(
    trace: &Trace,
    pc: &str,
    phone: &str,
    present: bool,
    (from, to): (SimTime, SimTime),
) -> Result<String, Miss> {
    use engine::trace::{PresenceRecord, PresenceState};
    let word = |present: bool| if present { "present" } else { "absent" };
    let verdicts: Vec<(SimTime, bool)> = pc_records(trace, pc)
        .filter(|r| r.time <= to)
        .filter_map(|r| r.read::<PresenceRecord>().map(|p| (r.time, p)))
        .filter(|(_, p)| p.phone == phone)
        .map(|(time, p)| (time, p.state == PresenceState::Present))
        .collect();
    let at_start = verdicts.iter().rev().find(|(time, _)| *time <= from).map(|(_, p)| *p);
    if at_start != Some(present) {
        let was = at_start.map_or("not judged yet", word);
        let detail = format!("{was} at {}", t(from));
        return Err(miss(format!("{was} at the start"), detail, from));
    }
    match verdicts.iter().find(|(time, p)| *time > from && *p != present) {
        Some((time, p)) => {
            let detail = format!("judged {} at {}", word(*p), seen(*time));
            Err(miss(format!("judged {} inside", word(*p)), detail, *time))
        }
        None => Ok(format!("{} throughout", word(present))),
    }
}

/// The description of a `lock_distance` expectation.
fn describe_lock_distance(
    pc: &str,
    after: SimTime,
    reason: Option<LockReason>,
    (min, max): (Option<f64>, Option<f64>),
) -> String {
    let what = reason.map_or(String::new(), |r| format!(" ({})", r.name()));
    let bounds = match (min, max) {
        (Some(min), Some(max)) => format!("{min} to {max} m"),
        (Some(min), None) => format!("at least {min} m"),
        (None, Some(max)) => format!("at most {max} m"),
        (None, None) => "any distance".into(),
    };
    format!("{pc}'s user is {bounds} away at its first lock{what} at or after {}", t(after))
}

/// Checks the user's distance (the lock's `user_distance_m`) at `pc`'s first lock of `reason`
/// (any, if `None`) at or after `after` against `min` and `max`, metres.
fn check_lock_distance(
    trace: &Trace,
    pc: &str,
    after: SimTime,
    reason: Option<LockReason>,
    (min, max): (Option<f64>, Option<f64>),
) -> Result<String, Miss> {
    let first = locks(trace, pc)
        .find(|(time, lock)| *time >= after && reason.is_none_or(|want| lock.reason == want));
    let Some((time, lock)) = first else {
        let detail = format!("no such lock at or after {}: {}", t(after), locks_listed(trace, pc));
        return Err(miss(format!("no lock after {}", t(after)), detail, after));
    };
    let locked = format!("locked at {} ({})", seen(time), lock.reason.name());
    let Some(distance_m) = lock.detail.get("user_distance_m").and_then(serde_json::Value::as_f64)
    else {
        let detail = format!("{locked}, but the PC names no user: no distance recorded");
        return Err(miss("no user distance", detail, time));
    };
    let happened = format!("{locked} with the user {distance_m:.2} m away");
    if min.is_some_and(|min| distance_m < min) {
        Err(miss("the user was nearer", happened, time))
    } else if max.is_some_and(|max| distance_m > max) {
        Err(miss("the user was farther", happened, time))
    } else {
        Ok(happened)
    }
}

/// The description of an `associated` expectation.
fn describe_associated(pc: &str, at: SimTime, with: &AssociatedWith) -> String {
    let with = match with {
        AssociatedWith::AccessPoint(ap) => format!("access point {ap}"),
        AssociatedWith::Bssid(bssid) => format!("BSSID {bssid}"),
    };
    format!("{pc} is associated with {with} at {}", t(at))
}

/// Checks `pc`'s Wi-Fi association at `at` (its `wifi` records up to then) against `with`.
fn check_associated(
    trace: &Trace,
    pc: &str,
    at: SimTime,
    with: &AssociatedWith,
) -> Result<String, Miss> {
    let mut current: Option<(String, String)> = None;
    for record in pc_records(trace, pc).take_while(|r| r.time <= at) {
        match record.read::<WifiChange>() {
            Some(WifiChange::Connected { access_point, bssid }) => {
                current = Some((access_point, bssid))
            }
            Some(WifiChange::Roamed { to, bssid, .. }) => current = Some((to, bssid)),
            Some(WifiChange::Disconnected { .. }) => current = None,
            Some(WifiChange::Unchanged) | None => {}
        }
    }
    let holds = current.as_ref().is_some_and(|(ap, bssid)| match with {
        AssociatedWith::AccessPoint(want) => ap == want,
        AssociatedWith::Bssid(want) => bssid == want,
    });
    let was = match &current {
        Some((ap, bssid)) => format!("on {ap} ({bssid})"),
        None => "not associated".into(),
    };
    if holds { Ok(was) } else { Err(miss(was.clone(), format!("{was} at {}", t(at)), at)) }
}

/// One side of a comparison in words: `rssi_delta_reference=hysteresis`, or `the scenario's
/// own` when it sets nothing.
fn side_label(settings: &[(String, String)]) -> String {
    if settings.is_empty() {
        return "the scenario's own".into();
    }
    let set: Vec<String> = settings.iter().map(|(name, value)| format!("{name}={value}")).collect();
    set.join(", ")
}

/// The description of a `compare_interpretations` expectation.
pub fn describe_comparison(c: &Comparison) -> String {
    format!(
        "{pc}: {metric} under {left} {relation} under {right}, run by run",
        pc = c.pc,
        metric = c.metric.name(),
        left = side_label(&c.left),
        relation = c.relation.symbol(),
        right = side_label(&c.right),
    )
}

/// `1 lock`, `3 locks`: a count of `metric` in words.
fn count_of(metric: crate::model::Metric, n: usize) -> String {
    let plural = metric.name();
    if n == 1 { format!("1 {}", plural.trim_end_matches('s')) } else { format!("{n} {plural}") }
}

/// The count of `metric` records of `pc` in `trace`: what a `compare_interpretations` compares.
pub fn metric_count(trace: &Trace, pc: &str, metric: crate::model::Metric) -> usize {
    use crate::model::Metric;
    pc_records(trace, pc)
        .filter(|r| match metric {
            Metric::Locks => r.read::<LockRecord>().is_some(),
            Metric::Unlocks => r.read::<UnlockRecord>().is_some_and(|u| u.was_locked),
            Metric::Denials => r.read::<UnlockDeniedRecord>().is_some(),
        })
        .count()
}

/// The verdict on a comparison from its tally of `compared_count` seeds and the two sides'
/// `totals`. With no seed compared (a caller that judged traces alone, e.g. [`judge`]), it fails
/// saying so rather than pass: the comparison needs runs of its own.
fn judge_comparison(
    c: &Comparison,
    tally: PerRunTally,
    totals: (usize, usize),
    compared_count: usize,
) -> ExpectationResult {
    let description = describe_comparison(c);
    if compared_count == 0 {
        let mut result = ExpectationResult::passed(
            description,
            "judged only where the scenario is run (it needs runs of its own)".into(),
        );
        result.passed = false;
        return result;
    }
    let counted = |n: usize| count_of(c.metric, n);
    let totals = format!(
        "{} in all under the left side, {} under the right",
        counted(totals.0),
        counted(totals.1)
    );
    let mut result = tally.result(description, compared_count);
    if result.passed {
        result.detail = format!("{totals} (all {compared_count} runs)");
    } else {
        result.detail = format!("{}; {totals}", result.detail);
        // No one moment: the counts cover whole runs, so no timeline excerpt.
        result.failed_at_s = None;
    }
    result
}

/// `lock_after_walk_away` over every run: `times` (sorted) from `after` to the presence-driven
/// lock of each run that locked, out of `runs_count`; `bounds`: the largest p50, p95 and maximum
/// time to lock allowed, each if set, the smallest time to lock allowed in a run that locks, and
/// the largest share of runs that never lock; `seeds`: the first run that never locked and the
/// first run, for the repro.
fn judge_walk_away(
    description: String,
    times: &[SimDuration],
    runs_count: usize,
    after: SimTime,
    (maxima, min, never_share_max): ([Option<SimDuration>; 3], Option<SimDuration>, f64),
    (never_seed, first_seed): (Option<u64>, Option<u64>),
) -> ExpectationResult {
    let never_share = (runs_count - times.len()) as f64 / runs_count.max(1) as f64;
    let mut passed = never_share <= never_share_max;
    let mut detail = format!("{} of {runs_count} runs locked", times.len());
    let measured = (!times.is_empty()).then(|| {
        let worst = times[times.len() - 1];
        (percentile(times, 50.0), percentile(times, 95.0), worst)
    });
    if let Some((p50, p95, worst)) = measured {
        detail.push_str(&format!(
            "; time to lock p50 {}, p95 {}, max {}",
            ms(p50),
            ms(p95),
            ms(worst)
        ));
    }
    let values = [measured.map(|m| m.0), measured.map(|m| m.1), measured.map(|m| m.2)];
    for (bound, value) in maxima.into_iter().zip(values) {
        if let Some(bound) = bound {
            passed &= value.is_some_and(|value| value <= bound);
        }
    }
    if let Some(min) = min {
        passed &= times.first().is_none_or(|fastest| *fastest >= min);
        if let Some(fastest) = times.first() {
            detail.push_str(&format!(", min {}", ms(*fastest)));
        }
    }
    ExpectationResult {
        failed_seed: if passed { None } else { never_seed.or(first_seed) },
        failed_at_s: if passed { None } else { Some(after.as_s_f64()) },
        ..ExpectationResult::passed(description, detail)
    }
    .with_verdict(passed)
}

impl ExpectationResult {
    /// The result with `passed` set.
    fn with_verdict(mut self, passed: bool) -> ExpectationResult {
        self.passed = passed;
        self
    }
}

/// The PC of a `false_locks_per_hour_*` expectation.
fn false_locks_pc(expectation: &Expectation) -> &str {
    match expectation {
        Expectation::FalseLocksPerHourMax { pc, .. }
        | Expectation::FalseLocksPerHourMin { pc, .. } => pc,
        _ => unreachable!("a false-lock tally belongs to a false-lock expectation"),
    }
}

/// Adds one run (`seed`) to a false-lock tally: presence-driven locks of `pc` while its user
/// sat, the seated seconds, and the first such lock.
fn tally_false_locks(
    trace: &Trace,
    pc: &str,
    end: SimTime,
    seed: u64,
    (locks_count, seated_s, first): (&mut usize, &mut f64, &mut Option<(u64, SimTime)>),
) {
    for (start, stop) in seated_intervals(trace, pc, end) {
        *seated_s += stop.saturating_duration_since(start).as_s_f64();
        for (time, lock) in locks(trace, pc) {
            if time >= start && time < stop && lock.reason.is_presence_driven() {
                *locks_count += 1;
                first.get_or_insert((seed, time));
            }
        }
    }
}

/// Presence-driven locks per seated hour over all runs, against a maximum or a minimum:
/// `measured` is the lock count, the seated seconds, the first false lock (seed, time) and the
/// first run's seed.
fn judge_false_locks(
    description: String,
    expectation: &Expectation,
    (locks_count, seated_s, first, first_seed): (usize, f64, Option<(u64, SimTime)>, Option<u64>),
) -> ExpectationResult {
    let (at_most, value) = match expectation {
        Expectation::FalseLocksPerHourMax { value, .. } => (true, *value),
        Expectation::FalseLocksPerHourMin { value, .. } => (false, *value),
        _ => unreachable!("a false-lock tally belongs to a false-lock expectation"),
    };
    if seated_s <= 0.0 {
        return ExpectationResult {
            failed_seed: first_seed,
            ..ExpectationResult::passed(
                description,
                "the user never sat at the PC: nothing to measure".into(),
            )
        }
        .with_verdict(false);
    }
    let rate = locks_count as f64 / (seated_s / 3600.0);
    let passed = if at_most { rate <= value } else { rate >= value };
    let detail = format!(
        "{locks_count} false locks in {:.2} seated hours ({rate:.3} per hour)",
        seated_s / 3600.0
    );
    ExpectationResult {
        failed_seed: if passed { None } else { first.map(|(seed, _)| seed) },
        failed_at_s: if passed { None } else { first.map(|(_, time)| time.as_s_f64()) },
        ..ExpectationResult::passed(description, detail)
    }
    .with_verdict(passed)
}
