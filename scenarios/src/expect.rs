//! Expectations judged on traces.
//!
//! Per-run expectations must hold in every run; a failure names the first run (by seed) where it
//! did not and says what happened instead. Statistical expectations aggregate over all runs.

use engine::policy::CredentialProvider;
use engine::time::{SimDuration, SimTime};
use engine::trace::{Trace, TraceRecord};
use serde::Serialize;

use crate::model::{Expectation, Scenario};
use crate::runner::RunOutput;

/// Lock reasons caused by a phone's absence (the ones a walk-away should trigger and a seated
/// user should never see).
pub const PRESENCE_LOCK_REASONS: [&str; 2] = ["dynamic_lock", "authentication_signal_lost"];

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
}

fn t(time: SimTime) -> String {
    time.since_start().to_string()
}

/// A measured duration rounded to the millisecond, for statistics in messages.
fn ms(duration: SimDuration) -> SimDuration {
    SimDuration::from_ms((duration.as_us() + 500) / 1000)
}

fn pc_records<'a>(
    trace: &'a Trace,
    pc: &str,
    kind: &'a str,
) -> impl Iterator<Item = &'a TraceRecord> {
    let entity = format!("pc:{pc}");
    trace.records.iter().filter(move |r| r.kind == kind && r.entity == entity)
}

fn lock_reason(record: &TraceRecord) -> &str {
    record.payload.get("reason").and_then(|r| r.as_str()).unwrap_or("")
}

fn locks_listed(trace: &Trace, pc: &str) -> String {
    let locks: Vec<String> = pc_records(trace, pc, "lock")
        .map(|r| format!("{} ({})", t(r.time), lock_reason(r)))
        .collect();
    if locks.is_empty() {
        "no lock at all".into()
    } else {
        format!("locks at {}", locks.join(", "))
    }
}

/// The first presence-driven lock of `pc` at or after `after`.
pub fn presence_lock_after(trace: &Trace, pc: &str, after: SimTime) -> Option<SimTime> {
    pc_records(trace, pc, "lock")
        .find(|r| r.time >= after && PRESENCE_LOCK_REASONS.contains(&lock_reason(r)))
        .map(|r| r.time)
}

/// Seated intervals of `pc`'s user, from `at_desk` records, closed at `end`.
pub fn seated_intervals(trace: &Trace, pc: &str, end: SimTime) -> Vec<(SimTime, SimTime)> {
    let mut intervals = Vec::new();
    let mut since = None;
    for record in trace.records.iter().filter(|r| r.kind == "at_desk") {
        if record.payload.get("pc").and_then(|p| p.as_str()) != Some(pc) {
            continue;
        }
        match (record.payload.get("value").and_then(|v| v.as_bool()), since) {
            (Some(true), None) => since = Some(record.time),
            (Some(false), Some(start)) => {
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

fn per_run(
    description: String,
    runs: &[RunOutput],
    check: impl Fn(&Trace) -> Result<String, (String, SimTime)>,
) -> ExpectationResult {
    let mut last_ok = String::new();
    for run in runs {
        match check(&run.trace) {
            Ok(detail) => last_ok = detail,
            Err((detail, at)) => {
                return ExpectationResult {
                    description,
                    passed: false,
                    detail: format!("seed {}: {detail}", run.seed),
                    failed_seed: Some(run.seed),
                    failed_at_s: Some(at.as_s_f64()),
                };
            }
        }
    }
    let detail =
        if runs.len() > 1 { format!("{last_ok} (all {} runs)", runs.len()) } else { last_ok };
    ExpectationResult { description, passed: true, detail, failed_seed: None, failed_at_s: None }
}

fn factor_names(factors: &[CredentialProvider]) -> Vec<&'static str> {
    factors.iter().map(|f| f.name()).collect()
}

fn judge_one(expectation: &Expectation, runs: &[RunOutput], end: SimTime) -> ExpectationResult {
    match expectation {
        Expectation::LockedWithin { pc, after, within, reason } => {
            let deadline = after.saturating_add(*within);
            let what = reason.as_deref().map_or(String::new(), |r| format!(" ({r})"));
            per_run(
                format!("{pc} locks{what} within {within} after {}", t(*after)),
                runs,
                |trace| {
                    pc_records(trace, pc, "lock")
                        .find(|r| {
                            r.time >= *after
                                && r.time <= deadline
                                && reason.as_deref().is_none_or(|want| lock_reason(r) == want)
                        })
                        .map(|r| format!("locked at {} ({})", t(r.time), lock_reason(r)))
                        .ok_or_else(|| {
                            (
                                format!(
                                    "not locked by {}: {}",
                                    t(deadline),
                                    locks_listed(trace, pc)
                                ),
                                deadline,
                            )
                        })
                },
            )
        }
        Expectation::NeverLocked { pc, from, to } => {
            let until = to.unwrap_or(end);
            per_run(
                format!("{pc} never locks between {} and {}", t(*from), t(until)),
                runs,
                |trace| match pc_records(trace, pc, "lock")
                    .find(|r| r.time >= *from && r.time <= until)
                {
                    Some(r) => {
                        Err((format!("locked at {} ({})", t(r.time), lock_reason(r)), r.time))
                    }
                    None => Ok("no lock".into()),
                },
            )
        }
        Expectation::Unlock { pc, at, succeeds, factors, event_id } => {
            let want = if *succeeds { "succeeds" } else { "is denied" };
            let with = factors
                .as_ref()
                .map_or(String::new(), |f| format!(" with [{}]", factor_names(f).join(", ")));
            let event = event_id.map_or(String::new(), |id| format!(" (event {id})"));
            per_run(format!("unlock at {pc} at {} {want}{with}{event}", t(*at)), runs, |trace| {
                let entity = format!("pc:{pc}");
                let Some(record) = trace.records.iter().find(|r| {
                    r.entity == entity
                        && r.time == *at
                        && (r.kind == "unlock" || r.kind == "unlock_denied")
                }) else {
                    return Err((format!("no unlock attempt at {pc} at {}", t(*at)), *at));
                };
                let got_factors: Vec<String> = record
                    .payload
                    .get("factors")
                    .and_then(|f| f.as_array())
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
                    .unwrap_or_default();
                let happened = if record.kind == "unlock" {
                    format!("unlocked with [{}]", got_factors.join(", "))
                } else {
                    format!(
                        "denied (event {}): {}",
                        record.payload["event_id"],
                        record.payload.get("reason").and_then(|r| r.as_str()).unwrap_or("")
                    )
                };
                let success = record.kind == "unlock";
                let factors_ok = factors.as_ref().is_none_or(|want| {
                    factor_names(want).iter().map(|s| s.to_string()).collect::<Vec<_>>()
                        == got_factors
                });
                let event_ok = event_id.is_none_or(|id| {
                    let entity = format!("pc:{pc}");
                    trace.records.iter().any(|r| {
                        r.entity == entity
                            && r.kind == "event_log"
                            && r.time == *at
                            && r.payload.get("id").and_then(|v| v.as_u64()) == Some(u64::from(id))
                    })
                });
                if success == *succeeds && factors_ok && event_ok {
                    Ok(happened)
                } else {
                    Err((happened, *at))
                }
            })
        }
        Expectation::EventLogged { pc, id, after } => {
            per_run(format!("{pc} logs event {id} at or after {}", t(*after)), runs, |trace| {
                match pc_records(trace, pc, "event_log").find(|r| {
                    r.time >= *after
                        && r.payload.get("id").and_then(|v| v.as_u64()) == Some(u64::from(*id))
                }) {
                    Some(r) => Ok(format!("logged at {}", t(r.time))),
                    None => {
                        let logged: Vec<String> = pc_records(trace, pc, "event_log")
                            .map(|r| format!("{} at {}", r.payload["id"], t(r.time)))
                            .collect();
                        Err((format!("not logged; logged: [{}]", logged.join(", ")), *after))
                    }
                }
            })
        }
        Expectation::PinReset { pc, at, succeeds, reset } => {
            let want = if *succeeds { "succeeds" } else { "fails" };
            let kind = reset.as_deref().map_or(String::new(), |r| format!(" ({r})"));
            per_run(format!("PIN reset at {pc} at {} {want}{kind}", t(*at)), runs, |trace| {
                let entity = format!("pc:{pc}");
                let Some(record) = trace.records.iter().find(|r| {
                    r.entity == entity && r.time == *at && r.kind.starts_with("lockout.pin_reset")
                }) else {
                    return Err((format!("no PIN reset attempt at {pc} at {}", t(*at)), *at));
                };
                let success = record.kind == "lockout.pin_reset_succeeded";
                let happened = if success {
                    format!("reset ({})", record.payload["reset"].as_str().unwrap_or(""))
                } else {
                    format!("failed: blocked by {}", record.payload["blocked_by"])
                };
                let kind_ok = reset
                    .as_deref()
                    .is_none_or(|want| record.payload["reset"].as_str() == Some(want));
                if success == *succeeds && kind_ok { Ok(happened) } else { Err((happened, *at)) }
            })
        }
        Expectation::LockAfterWalkAway { pc, after, p50_max, p95_max, max, never_share_max } => {
            let mut times = Vec::new();
            let mut never = 0usize;
            let mut never_seed = None;
            for run in runs {
                match presence_lock_after(&run.trace, pc, *after) {
                    Some(time) => times.push(time.saturating_duration_since(*after)),
                    None => {
                        never += 1;
                        never_seed.get_or_insert(run.seed);
                    }
                }
            }
            times.sort();
            let never_share = never as f64 / runs.len().max(1) as f64;
            let mut bounds = Vec::new();
            let mut passed = never_share <= *never_share_max;
            let mut detail = format!("{} of {} runs locked", times.len(), runs.len());
            if !times.is_empty() {
                let (p50, p95, worst) = (
                    percentile(&times, 50.0),
                    percentile(&times, 95.0),
                    *times.last().expect("non-empty"),
                );
                detail.push_str(&format!(
                    "; time to lock p50 {}, p95 {}, max {}",
                    ms(p50),
                    ms(p95),
                    ms(worst)
                ));
                for (name, bound, value) in
                    [("p50", p50_max, p50), ("p95", p95_max, p95), ("max", max, worst)]
                {
                    if let Some(bound) = bound {
                        bounds.push(format!("{name} <= {bound}"));
                        passed &= value <= *bound;
                    }
                }
            } else {
                for (name, bound) in [("p50", p50_max), ("p95", p95_max), ("max", max)] {
                    if let Some(bound) = bound {
                        bounds.push(format!("{name} <= {bound}"));
                        passed = false;
                    }
                }
            }
            bounds.push(format!("never-lock share <= {never_share_max}"));
            ExpectationResult {
                description: format!(
                    "{pc}: lock after walking away at {}: {}",
                    t(*after),
                    bounds.join(", ")
                ),
                passed,
                detail,
                failed_seed: if passed {
                    None
                } else {
                    never_seed.or(runs.first().map(|r| r.seed))
                },
                failed_at_s: if passed { None } else { Some(after.as_s_f64()) },
            }
        }
        Expectation::FalseLocksPerHourMax { pc, value } => false_locks(pc, *value, true, runs, end),
        Expectation::FalseLocksPerHourMin { pc, value } => {
            false_locks(pc, *value, false, runs, end)
        }
    }
}

/// Presence-driven locks per seated hour over all runs, against a maximum or a minimum.
fn false_locks(
    pc: &str,
    value: f64,
    is_max: bool,
    runs: &[RunOutput],
    end: SimTime,
) -> ExpectationResult {
    {
        {
            let mut locks = 0usize;
            let mut seated_s = 0.0;
            let mut first_seed = None;
            let mut first_at = None;
            for run in runs {
                for (start, stop) in seated_intervals(&run.trace, pc, end) {
                    seated_s += stop.saturating_duration_since(start).as_s_f64();
                    for lock in pc_records(&run.trace, pc, "lock") {
                        if lock.time >= start
                            && lock.time < stop
                            && PRESENCE_LOCK_REASONS.contains(&lock_reason(lock))
                        {
                            locks += 1;
                            first_seed.get_or_insert(run.seed);
                            first_at.get_or_insert(lock.time);
                        }
                    }
                }
            }
            let bound = if is_max { "at most" } else { "at least" };
            let description = format!("{pc}: {bound} {value} false locks per hour seated");
            if seated_s <= 0.0 {
                return ExpectationResult {
                    description,
                    passed: false,
                    detail: "the user never sat at the PC: nothing to measure".into(),
                    failed_seed: runs.first().map(|r| r.seed),
                    failed_at_s: None,
                };
            }
            let rate = locks as f64 / (seated_s / 3600.0);
            let passed = if is_max { rate <= value } else { rate >= value };
            ExpectationResult {
                description,
                passed,
                detail: format!(
                    "{locks} false locks in {:.2} seated hours ({rate:.3} per hour)",
                    seated_s / 3600.0
                ),
                failed_seed: if passed { None } else { first_seed },
                failed_at_s: if passed { None } else { first_at.map(SimTime::as_s_f64) },
            }
        }
    }
}
