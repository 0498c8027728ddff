//! `unlocksim replay LOG --policy POLICY.yaml [--set NAME=VALUE ...] [--grid NAME=VALUES ...]
//! [--interpretation KEY=VALUE ...] [--interpretations all] [--json] [--report DIR]`: when would
//! this policy have locked, given a recorded day's readings (issue 18)? The log is read by
//! `scenarios::rssi_log`, replayed through the PC's presence tracking and Dynamic Lock by
//! `scenarios::replay`. Only relative (HCI_Read_RSSI) logs: that is what Windows compares.
//!
//! With `--grid` (or `--interpretations all`) the log is replayed at every point of a grid of
//! parameters, and the points are judged with a sweep's decision metrics, recommendation and
//! heat-map report (`reports::sweep`), see [`grid`].

use std::path::PathBuf;

use clap::Args;
use engine::SimTime;
use engine::policy::interpretation::INTERPRETATION_NAMES;
use reports::summary::Exit;
use scenarios::params::ParamValue;
use scenarios::replay::{ReplayLock, ReplayPolicy, ReplayPoll, canonical_parameter, replay};
use scenarios::rssi_log::activity::{Activity, read_activity};
use scenarios::rssi_log::{LogFormat, Quantity, ReadOptions, RssiLog, read_log};
use serde_json::json;

use crate::input::read_input;
use crate::policy_file::{PolicyFile, report};
use crate::run_cmd::InterpretationMode;

mod grid;

/// Arguments of `unlocksim replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A relative-RSSI log (CSV, `hcitool rssi` loop or btmon trace). In the CSV, `place` `desk`
    /// marks the user at the desk and working (input; an unlock after a lock), `seated` at the
    /// desk but idle (a lock then is a false lock); anything else is away.
    log: PathBuf,
    /// The policy whose Dynamic Lock rule decides (YAML or an administrator's form).
    #[arg(long)]
    policy: PathBuf,
    /// Replace a parameter for the whole replay (repeatable, in order): a name of `unlocksim
    /// run --set` a replay uses (`dynamic_lock_rssi_min`, `rssi_max_delta`,
    /// `rssi_delta_reference`, ...; docs/calibrate.md lists them), or the policy's own
    /// `rssiMin`/`rssiMaxDelta` for the Dynamic Lock rule's.
    #[arg(long = "set", value_name = "NAME=VALUE", allow_hyphen_values = true)]
    set: Vec<String>,
    /// Replay every value of a parameter: `NAME=FROM..TO:STEP` (both ends included) or
    /// `NAME=V1,V2,...` (repeatable: every combination, the first parameter slowest). Prints a
    /// table of the decision metrics and the recommended setting.
    #[arg(long = "grid", value_name = "NAME=VALUES", allow_hyphen_values = true)]
    grid: Vec<String>,
    /// Set one interpretation, e.g. `authentication_lock=on` (repeatable); `--interpretations
    /// all` then keeps it and varies only the others.
    #[arg(long = "interpretation", value_name = "KEY=VALUE")]
    interpretation: Vec<String>,
    /// `all` replays under every combination of the interpretations a replay depends on
    /// (`rssi_delta_reference`, `authentication_lock`) and groups them by outcome; with
    /// `--grid`, a setting is judged by its worst case across them.
    #[arg(long, value_enum, default_value_t = InterpretationMode::Default)]
    interpretations: InterpretationMode,
    /// Where the user was, for a log without a `place` column: a CSV `from_s,to_s,activity`
    /// with `working`, `idle` or `away` (docs/calibrate.md).
    #[arg(long)]
    activity: Option<PathBuf>,
    /// Write `report.html` (heat maps, table, recommendation), `points.csv` and `points.json`
    /// into this folder, as a sweep's report.
    #[arg(long)]
    report: Option<PathBuf>,
    /// The device to keep from a btmon trace of several.
    #[arg(long)]
    device: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

fn usage(message: &str) -> Exit {
    errln!("error: {message}");
    Exit::BadInput
}

/// `--set` and `--interpretation` pairs as parameters (aliases resolved), in order, and the
/// names the user pinned.
fn parse_sets(args: &ReplayArgs) -> Result<Vec<(String, ParamValue)>, String> {
    let mut sets = crate::run_plan::parse_overrides(&args.set)?;
    for (name, _) in &mut sets {
        *name = canonical_parameter(name).to_owned();
    }
    for pair in &args.interpretation {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("--interpretation: expected KEY=VALUE, got `{pair}`"))?;
        let name = name.trim();
        engine::policy::Interpretations::default()
            .set(name, value.trim())
            .map_err(|error| format!("--interpretation: {error}"))?;
        sets.push((name.to_owned(), ParamValue::Text(value.trim().to_owned())));
    }
    Ok(sets)
}

/// The log's polls on the replay's clock: the CSV's own `time_s`, other formats' seconds since
/// their first reading. Activity comes from `activity` when given, else the `place` column.
fn polls(log: &RssiLog, activity: Option<&Activity>) -> Vec<ReplayPoll> {
    let offset_s = if log.format == LogFormat::Csv { log.start_s } else { 0.0 };
    log.readings
        .iter()
        .map(|reading| {
            let time_s = offset_s + reading.time_s;
            let (active, seated) = match activity {
                Some(activity) => activity.at(time_s).active_seated(),
                None => {
                    let place = reading.place.as_deref().unwrap_or("");
                    let active = place.eq_ignore_ascii_case("desk");
                    (active, active || place.eq_ignore_ascii_case("seated"))
                }
            };
            ReplayPoll {
                time: SimTime::from_us((time_s * 1e6).round() as u64),
                rssi_db: reading.rssi_db.map(|v| v.round() as i16),
                active,
                seated,
            }
        })
        .collect()
}

/// Reads the log; the error carries `file:line:col`.
fn read(args: &ReplayArgs) -> Result<RssiLog, String> {
    let shown = args.log.display();
    let text = read_input(&args.log).map_err(|reason| format!("{shown}: {reason}"))?;
    let log = read_log(&text, &ReadOptions { device: args.device.clone() }).map_err(|e| match e
        .line
    {
        0 => format!("{shown}: {}", e.message),
        line => format!("{shown}:{line}:{}: {}", e.column, e.message),
    })?;
    if log.quantity != Quantity::Relative {
        return Err(format!(
            "{shown}: advertising dBm readings; Windows compares relative HCI_Read_RSSI readings, \
             so only a relative log can be replayed"
        ));
    }
    Ok(log)
}

/// Reads `--activity`; the error carries `file:line:col`.
fn read_activity_file(path: &std::path::Path) -> Result<Activity, String> {
    let shown = path.display();
    let text = read_input(path).map_err(|reason| format!("{shown}: {reason}"))?;
    read_activity(&text).map_err(|e| match e.line {
        0 => format!("{shown}: {}", e.message),
        line => format!("{shown}:{line}:{}: {}", e.column, e.message),
    })
}

/// The policy of `--policy` with `--set` and `--interpretation` applied.
fn load_policy(args: &ReplayArgs) -> Result<ReplayPolicy, Exit> {
    let sets = parse_sets(args).map_err(|message| usage(&message))?;
    let file = PolicyFile::read(&args.policy)?;
    let Some((policy, diagnostics)) = file.policy() else {
        return Err(usage(&format!("{}: rules alone are not a policy", args.policy.display())));
    };
    if diagnostics.iter().any(engine::Diagnostic::is_error) {
        report(&diagnostics);
        return Err(Exit::BadInput);
    }
    let Some(policy) = policy else { return Err(usage("the policy could not be loaded")) };
    let base = ReplayPolicy { policy, interpretations: Default::default() };
    let with_sets = base.with_parameters(&sets).map_err(|message| usage(&message))?;
    with_sets.settings().map_err(|m| usage(&format!("{}: {m}", args.policy.display())))?;
    Ok(with_sets)
}

/// Runs the command; 0 on success, 2 on unreadable or invalid input.
pub fn run(args: &ReplayArgs) -> Exit {
    let policy = match load_policy(args) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let dims = match grid::dimensions(args, &policy) {
        Ok(dims) => dims,
        Err(message) => return usage(&message),
    };
    let activity = match args.activity.as_deref().map(read_activity_file).transpose() {
        Ok(activity) => activity,
        Err(message) => return usage(&message),
    };
    let log = match read(args) {
        Ok(log) => log,
        Err(message) => return usage(&message),
    };
    let polls = polls(&log, activity.as_ref());
    if !dims.is_empty() {
        return grid::run(args, &policy, &dims, &polls, true);
    }
    if args.report.is_some() {
        // The report of one point; the output stays the single replay's.
        let exit = grid::run(args, &policy, &dims, &polls, false);
        if exit != Exit::Success {
            return exit;
        }
    }
    single(args, &policy, &polls)
}

/// One replay: each lock, when it came after leaving, and the false locks.
fn single(args: &ReplayArgs, policy: &ReplayPolicy, polls: &[ReplayPoll]) -> Exit {
    let settings = match policy.settings() {
        Ok(settings) => settings,
        Err(message) => return usage(&format!("{}: {message}", args.policy.display())),
    };
    let thresholds = settings.locking_signals[0].thresholds;
    let locks = match replay(polls, settings) {
        Ok(outcome) => outcome.locks,
        Err(message) => return usage(&message),
    };
    let rows: Vec<(ReplayLock, Option<f64>)> =
        locks.iter().map(|lock| (*lock, after_leaving_s(polls, lock))).collect();
    let false_locks = locks.iter().filter(|l| l.while_seated).count();
    if args.json {
        let items: Vec<_> = rows
            .iter()
            .map(|(lock, after)| {
                json!({
                    "t_s": lock.time.as_s_f64(),
                    "reason": lock.reason,
                    "while_seated": lock.while_seated,
                    "after_leaving_s": after,
                })
            })
            .collect();
        outln!(
            "{}",
            json!({
                "polls": polls.len(),
                "rssi_min": thresholds.rssi_db_min,
                "rssi_max_delta": thresholds.rssi_db_max_delta,
                "locks": items,
                "false_locks": false_locks,
            })
        );
    } else {
        outln!(
            "replay: {} polls, rssiMin {}, rssiMaxDelta {}",
            polls.len(),
            thresholds.rssi_db_min,
            thresholds.rssi_db_max_delta
        );
        for (lock, after) in &rows {
            outln!("{}", lock_line(lock, *after));
        }
        outln!("locks: {}, false locks (while seated): {false_locks}", locks.len());
    }
    Exit::Success
}

/// `lock at 70.0 s (dynamic_lock), 50.0 s after leaving`.
fn lock_line(lock: &ReplayLock, after: Option<f64>) -> String {
    let when = after.map_or_else(String::new, |s| format!(", {s:.1} s after leaving"));
    let seated = if lock.while_seated { " (while seated: a false lock)" } else { "" };
    let reason = json!(lock.reason);
    let reason = reason.as_str().unwrap_or("lock");
    format!("lock at {:.1} s ({reason}){when}{seated}", lock.time.as_s_f64())
}

/// Seconds from the user leaving the desk (the first inactive poll after an active one) to
/// `lock`, when the lock came after leaving.
fn after_leaving_s(polls: &[ReplayPoll], lock: &ReplayLock) -> Option<f64> {
    if lock.while_seated {
        return None;
    }
    let before = &polls[..polls.partition_point(|p| p.time <= lock.time)];
    let left = before.windows(2).rev().find(|pair| pair[0].seated && !pair[1].seated)?[1];
    Some(lock.time.saturating_duration_since(left.time).as_s_f64())
}

/// The interpretations a replay depends on: the PC's presence rule and whether an
/// Authentication signal also locks. The others concern Wi-Fi and DNS rules and sign-in, which
/// a replay does not evaluate.
const REPLAY_INTERPRETATIONS: [&str; 2] = ["rssi_delta_reference", "authentication_lock"];

/// Every value of interpretation `name` (one of [`REPLAY_INTERPRETATIONS`]).
fn interpretation_values(name: &str) -> Vec<ParamValue> {
    use engine::policy::interpretation::{AuthenticationLock, RssiDeltaReference};
    debug_assert!(INTERPRETATION_NAMES.contains(&name));
    let text = |s: &str| ParamValue::Text(s.to_owned());
    match name {
        "rssi_delta_reference" => RssiDeltaReference::ALL.iter().map(|v| text(v.name())).collect(),
        _ => AuthenticationLock::ALL.iter().map(|v| text(v.name())).collect(),
    }
}
