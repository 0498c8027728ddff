//! Expectations judged on traces.
//!
//! Per-run expectations must hold in every run; a failure names the first run (by seed) where it
//! did not and says what happened instead. Statistical expectations aggregate over all runs.
//!
//! [`judge_one`] dispatches on the kind; each kind has one `judge_*` leaf below it. Records are
//! read through their typed payloads (`engine::trace::{LockRecord, UnlockRecord, ...}`).

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
    /// Every run where a per-run expectation did not hold, in seed order (empty when it passed
    /// and for statistical expectations, which are judged over all runs together).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_runs: Vec<FailedRun>,
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
struct Miss {
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

/// Judges every expectation of `scenario` on `runs`.
pub fn judge(scenario: &Scenario, runs: &[RunOutput]) -> Vec<ExpectationResult> {
    let end = SimTime::ZERO.saturating_add(scenario.duration);
    scenario.expectations.iter().map(|e| judge_one(e, runs, end)).collect()
}

/// Judges one expectation: a dispatcher, one leaf per kind.
fn judge_one(expectation: &Expectation, runs: &[RunOutput], end: SimTime) -> ExpectationResult {
    match expectation {
        Expectation::LockedWithin { pc, after, within, reason, phone } => {
            judge_locked_within(runs, pc, (*after, *within), *reason, phone.as_deref())
        }
        Expectation::NeverLocked { pc, from, to } => {
            judge_never_locked(runs, pc, *from, to.unwrap_or(end))
        }
        Expectation::Unlock { pc, at, succeeds, factors, event_id } => {
            judge_unlock(runs, pc, *at, *succeeds, factors.as_deref(), *event_id)
        }
        Expectation::EventLogged { pc, id, after } => judge_event_logged(runs, pc, *id, *after),
        Expectation::PinReset { pc, at, succeeds, reset } => {
            judge_pin_reset(runs, pc, *at, *succeeds, *reset)
        }
        Expectation::LockAfterWalkAway {
            pc,
            after,
            p50_max,
            p95_max,
            max,
            min,
            never_share_max,
        } => {
            let maxima = [*p50_max, *p95_max, *max];
            judge_lock_after_walk_away(runs, pc, *after, (maxima, *min), *never_share_max)
        }
        Expectation::EventsInOrder { pc, ids, after } => {
            judge_events_in_order(runs, pc, ids, *after)
        }
        Expectation::Notified { pc, contains, after } => judge_notified(runs, pc, contains, *after),
        Expectation::Presence { pc, phone, present, from, to } => {
            judge_presence(runs, pc, phone, *present, (*from, to.unwrap_or(end)))
        }
        Expectation::LockDistance { pc, after, reason, distance_m_min, distance_m_max } => {
            let bounds = (*distance_m_min, *distance_m_max);
            let description = describe_lock_distance(pc, *after, *reason, bounds);
            per_run(description, runs, |trace| {
                check_lock_distance(trace, pc, *after, *reason, bounds)
            })
        }
        Expectation::Associated { pc, at, with } => {
            let description = describe_associated(pc, *at, with);
            per_run(description, runs, |trace| check_associated(trace, pc, *at, with))
        }
        Expectation::CompareInterpretations(comparison) => judged_elsewhere(comparison),
        Expectation::FalseLocksPerHourMax { pc, value } => {
            judge_false_locks(runs, pc, *value, Bound::AtMost, end)
        }
        Expectation::FalseLocksPerHourMin { pc, value } => {
            judge_false_locks(runs, pc, *value, Bound::AtLeast, end)
        }
    }
}

/// Judges `check` on every run: passes with the last run's detail, or fails naming every run
/// (by seed) where it did not hold; `detail` and `failed_seed` then describe the first.
fn per_run(
    description: String,
    runs: &[RunOutput],
    check: impl Fn(&Trace) -> Result<String, Miss>,
) -> ExpectationResult {
    let mut last_ok = String::new();
    let mut failed_runs = Vec::new();
    for run in runs {
        match check(&run.trace) {
            Ok(detail) => last_ok = detail,
            Err(Miss { what, detail, at }) => {
                failed_runs.push(FailedRun { seed: run.seed, what, detail, at_s: at.as_s_f64() })
            }
        }
    }
    if let Some(first) = failed_runs.first() {
        return ExpectationResult {
            description,
            passed: false,
            detail: format!("seed {}: {}", first.seed, first.detail),
            failed_seed: Some(first.seed),
            failed_at_s: Some(first.at_s),
            failed_runs,
        };
    }
    let detail =
        if runs.len() > 1 { format!("{last_ok} (all {} runs)", runs.len()) } else { last_ok };
    ExpectationResult::passed(description, detail)
}

fn factor_names(factors: &[CredentialProvider]) -> Vec<&'static str> {
    factors.iter().map(|f| f.name()).collect()
}

/// The phone a lock names (the one Dynamic Lock found gone), if any.
fn lock_phone(lock: &LockRecord) -> Option<&str> {
    lock.detail.get("phone").and_then(serde_json::Value::as_str)
}

fn judge_locked_within(
    runs: &[RunOutput],
    pc: &str,
    (after, within): (SimTime, SimDuration),
    reason: Option<LockReason>,
    phone: Option<&str>,
) -> ExpectationResult {
    let deadline = after.saturating_add(within);
    let what = reason.map_or(String::new(), |r| format!(" ({})", r.name()));
    let by = phone.map_or(String::new(), |p| format!(" for {p}"));
    let description = format!("{pc} locks{what}{by} within {within} after {}", t(after));
    per_run(description, runs, |trace| {
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
    })
}

fn judge_never_locked(
    runs: &[RunOutput],
    pc: &str,
    from: SimTime,
    until: SimTime,
) -> ExpectationResult {
    let description = format!("{pc} never locks between {} and {}", t(from), t(until));
    per_run(description, runs, |trace| {
        match locks(trace, pc).find(|(time, _)| *time >= from && *time <= until) {
            Some((time, lock)) => {
                let reason = lock.reason.name();
                let detail = format!("locked at {} ({reason})", seen(time));
                Err(miss(format!("locked ({reason})"), detail, time))
            }
            None => Ok("no lock".into()),
        }
    })
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

fn judge_unlock(
    runs: &[RunOutput],
    pc: &str,
    at: SimTime,
    succeeds: bool,
    factors: Option<&[CredentialProvider]>,
    event_id: Option<u32>,
) -> ExpectationResult {
    let want = if succeeds { "succeeds" } else { "is denied" };
    let with = factors.map_or(String::new(), |f| format!(" with [{}]", factor_names(f).join(", ")));
    let event = event_id.map_or(String::new(), |id| format!(" (event {id})"));
    let description = format!("unlock at {pc} at {} {want}{with}{event}", t(at));
    per_run(description, runs, |trace| {
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
    })
}

/// The group of a failed attempt expectation's run: what happened without its reason (the
/// text before the first `:`), as in `denied (event 5520)`.
fn attempt_group(happened: &str) -> String {
    happened.split(':').next().unwrap_or(happened).to_string()
}

fn judge_event_logged(runs: &[RunOutput], pc: &str, id: u32, after: SimTime) -> ExpectationResult {
    let description = format!("{pc} logs event {id} at or after {}", t(after));
    per_run(description, runs, |trace| {
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
    })
}

fn judge_pin_reset(
    runs: &[RunOutput],
    pc: &str,
    at: SimTime,
    succeeds: bool,
    reset: Option<ResetKind>,
) -> ExpectationResult {
    let want = if succeeds { "succeeds" } else { "fails" };
    let kind = reset.map_or(String::new(), |r| format!(" ({})", r.name()));
    let description = format!("PIN reset at {pc} at {} {want}{kind}", t(at));
    per_run(description, runs, |trace| {
        let attempt =
            pc_records(trace, pc).filter(|r| r.time == at).find_map(|r| match r.observed() {
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
    })
}

/// The blocking reasons as the JSON list they are recorded as (`["a","b"]`).
fn blocked_by_json(failed: &PinResetFailedRecord) -> String {
    serde_json::Value::from(failed.blocked_by.clone()).to_string()
}

/// Judges `ids` logged by `pc` in this order (others possibly between) at or after `after`.
fn judge_events_in_order(
    runs: &[RunOutput],
    pc: &str,
    ids: &[u32],
    after: SimTime,
) -> ExpectationResult {
    let listed: Vec<String> = ids.iter().map(u32::to_string).collect();
    let description =
        format!("{pc} logs events {} in order at or after {}", listed.join(" then "), t(after));
    per_run(description, runs, |trace| {
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
                    let all: Vec<String> = logged
                        .iter()
                        .map(|(time, id)| format!("{id} at {}", seen(*time)))
                        .collect();
                    let detail =
                        format!("no {id} after the ones before it; logged: [{}]", all.join(", "));
                    return Err(miss(format!("{id} missing or out of order"), detail, last));
                }
            }
        }
        Ok(format!("in order, the last at {}", seen(last)))
    })
}

/// Judges a notification of `pc` containing `contains` at or after `after`.
fn judge_notified(
    runs: &[RunOutput],
    pc: &str,
    contains: &str,
    after: SimTime,
) -> ExpectationResult {
    let description =
        format!("{pc} shows a notification containing \"{contains}\" at or after {}", t(after));
    per_run(description, runs, |trace| {
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
                let texts: Vec<String> =
                    shown.iter().map(|(_, text)| format!("\"{text}\"")).collect();
                let detail = format!("other notifications: {}", texts.join(", "));
                Err(miss("other notifications", detail, after))
            }
        }
    })
}

/// Judges `pc` judging `phone` present (or absent) throughout `interval`: its last presence
/// verdict at or before the start, and every one inside.
fn judge_presence(
    runs: &[RunOutput],
    pc: &str,
    phone: &str,
    present: bool,
    (from, to): (SimTime, SimTime),
) -> ExpectationResult {
    use engine::trace::{PresenceRecord, PresenceState};
    let word = |present: bool| if present { "present" } else { "absent" };
    let description =
        format!("{pc} judges {phone} {} from {} to {}", word(present), t(from), t(to));
    per_run(description, runs, |trace| {
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
    })
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

/// A comparison is judged by `crate::run_scenario`, which runs both sides: from here (traces
/// alone) it never passes.
fn judged_elsewhere(comparison: &Comparison) -> ExpectationResult {
    ExpectationResult {
        description: describe_comparison(comparison),
        passed: false,
        detail: "judged only where the scenario is run (it needs runs of its own)".into(),
        failed_seed: None,
        failed_at_s: None,
        failed_runs: Vec::new(),
    }
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

/// The count of `metric` records of `pc` in `trace`.
fn metric_count(trace: &Trace, pc: &str, metric: crate::model::Metric) -> usize {
    use crate::model::Metric;
    pc_records(trace, pc)
        .filter(|r| match metric {
            Metric::Locks => r.read::<LockRecord>().is_some(),
            Metric::Unlocks => r.read::<UnlockRecord>().is_some_and(|u| u.was_locked),
            Metric::Denials => r.read::<UnlockDeniedRecord>().is_some(),
        })
        .count()
}

/// Judges a comparison on the runs of its two sides, paired by seed (`left[i]` and `right[i]`
/// have the same seed): every pair must stand in the relation.
pub fn judge_comparison(
    c: &Comparison,
    left: &[RunOutput],
    right: &[RunOutput],
) -> ExpectationResult {
    let description = describe_comparison(c);
    let (name, symbol) = (c.metric.name(), c.relation.symbol());
    let mut failed_runs = Vec::new();
    let mut counts = Vec::new();
    for (l, r) in left.iter().zip(right) {
        let pair =
            (metric_count(&l.trace, &c.pc, c.metric), metric_count(&r.trace, &c.pc, c.metric));
        counts.push(pair);
        if !c.relation.holds(pair.0, pair.1) {
            let detail =
                format!("{} {name} under the left side, {} under the right", pair.0, pair.1);
            let what = format!("left {symbol} right does not hold");
            failed_runs.push(FailedRun { seed: l.seed, what, detail, at_s: 0.0 });
        }
    }
    let total = |side: fn(&(usize, usize)) -> usize| counts.iter().map(side).sum::<usize>();
    let totals = format!(
        "{} {name} in all under the left side, {} under the right",
        total(|p| p.0),
        total(|p| p.1)
    );
    match failed_runs.first() {
        None => {
            ExpectationResult::passed(description, format!("{totals} (all {} runs)", counts.len()))
        }
        Some(first) => ExpectationResult {
            description,
            passed: false,
            detail: format!("seed {}: {}; {totals}", first.seed, first.detail),
            failed_seed: Some(first.seed),
            // No one moment: the counts cover whole runs, so no timeline excerpt.
            failed_at_s: None,
            failed_runs,
        },
    }
}

/// The sorted times from `after` to `pc`'s presence-driven lock over `runs`, and the seed of
/// the first run that never locked.
fn times_to_lock(runs: &[RunOutput], pc: &str, after: SimTime) -> (Vec<SimDuration>, Option<u64>) {
    let mut times = Vec::new();
    let mut never_seed = None;
    for run in runs {
        match presence_lock_after(&run.trace, pc, after) {
            Some(time) => times.push(time.saturating_duration_since(after)),
            None => {
                never_seed.get_or_insert(run.seed);
            }
        }
    }
    times.sort();
    (times, never_seed)
}

/// `bounds`: the largest p50, p95 and maximum time to lock allowed, each if set, and the
/// smallest time to lock allowed in a run that locks.
fn judge_lock_after_walk_away(
    runs: &[RunOutput],
    pc: &str,
    after: SimTime,
    (maxima, min): ([Option<SimDuration>; 3], Option<SimDuration>),
    never_share_max: f64,
) -> ExpectationResult {
    let (times, never_seed) = times_to_lock(runs, pc, after);
    let never_share = (runs.len() - times.len()) as f64 / runs.len().max(1) as f64;
    let mut passed = never_share <= never_share_max;
    let mut detail = format!("{} of {} runs locked", times.len(), runs.len());
    let mut stated = Vec::new();
    let measured = (!times.is_empty()).then(|| {
        let worst = times[times.len() - 1];
        (percentile(&times, 50.0), percentile(&times, 95.0), worst)
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
    for ((name, bound), value) in ["p50", "p95", "max"].into_iter().zip(maxima).zip(values) {
        if let Some(bound) = bound {
            stated.push(format!("{name} <= {bound}"));
            passed &= value.is_some_and(|value| value <= bound);
        }
    }
    if let Some(min) = min {
        stated.push(format!("min >= {min}"));
        passed &= times.first().is_none_or(|fastest| *fastest >= min);
        if let Some(fastest) = times.first() {
            detail.push_str(&format!(", min {}", ms(*fastest)));
        }
    }
    stated.push(format!("never-lock share <= {never_share_max}"));
    ExpectationResult {
        description: format!(
            "{pc}: lock after walking away at {}: {}",
            t(after),
            stated.join(", ")
        ),
        passed,
        detail,
        failed_seed: if passed { None } else { never_seed.or(runs.first().map(|r| r.seed)) },
        failed_at_s: if passed { None } else { Some(after.as_s_f64()) },
        failed_runs: Vec::new(),
    }
}

/// Which side of a rate an expectation bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    AtMost,
    AtLeast,
}

/// Presence-driven locks per seated hour over all runs, against a maximum or a minimum.
fn judge_false_locks(
    runs: &[RunOutput],
    pc: &str,
    value: f64,
    bound: Bound,
    end: SimTime,
) -> ExpectationResult {
    let mut locks_count = 0usize;
    let mut seated_s = 0.0;
    let mut first: Option<(u64, SimTime)> = None;
    for run in runs {
        for (start, stop) in seated_intervals(&run.trace, pc, end) {
            seated_s += stop.saturating_duration_since(start).as_s_f64();
            for (time, lock) in locks(&run.trace, pc) {
                if time >= start && time < stop && lock.reason.is_presence_driven() {
                    locks_count += 1;
                    first.get_or_insert((run.seed, time));
                }
            }
        }
    }
    let words = match bound {
        Bound::AtMost => "at most",
        Bound::AtLeast => "at least",
    };
    let description = format!("{pc}: {words} {value} false locks per hour seated");
    if seated_s <= 0.0 {
        return ExpectationResult {
            description,
            passed: false,
            detail: "the user never sat at the PC: nothing to measure".into(),
            failed_seed: runs.first().map(|r| r.seed),
            failed_at_s: None,
            failed_runs: Vec::new(),
        };
    }
    let rate = locks_count as f64 / (seated_s / 3600.0);
    let passed = match bound {
        Bound::AtMost => rate <= value,
        Bound::AtLeast => rate >= value,
    };
    ExpectationResult {
        description,
        passed,
        detail: format!(
            "{locks_count} false locks in {:.2} seated hours ({rate:.3} per hour)",
            seated_s / 3600.0
        ),
        failed_seed: if passed { None } else { first.map(|(seed, _)| seed) },
        failed_at_s: if passed { None } else { first.map(|(_, time)| time.as_s_f64()) },
        failed_runs: Vec::new(),
    }
}
