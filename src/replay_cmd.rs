//! `unlocksim replay LOG --policy POLICY.yaml [--json] [--set NAME=VALUE ...]`: when would
//! this policy have locked, given a recorded day's readings (issue 18)? The log is read by
//! `scenarios::rssi_log`, replayed through the PC's presence tracking and Dynamic Lock by
//! `scenarios::replay`. Only relative (HCI_Read_RSSI) logs: that is what Windows compares.

use std::path::PathBuf;

use clap::Args;
use engine::SimTime;
use reports::summary::Exit;
use scenarios::replay::{ReplayLock, ReplayPoll, dynamic_lock_settings, replay};
use scenarios::rssi_log::{LogFormat, Quantity, ReadOptions, RssiLog, read_log};
use serde_json::json;

use crate::input::read_input;
use crate::policy_file::{PolicyFile, report};

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
    /// Replace a threshold of the rule: rssiMin=V or rssiMaxDelta=V (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE", allow_hyphen_values = true)]
    set: Vec<String>,
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

/// `--set` pairs into (rssiMin, rssiMaxDelta) overrides.
fn parse_sets(sets: &[String]) -> Result<(Option<i16>, Option<i16>), String> {
    let (mut rssi_min, mut rssi_max_delta) = (None, None);
    for pair in sets {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("--set: expected NAME=VALUE, got `{pair}`"))?;
        let value: i16 =
            value.trim().parse().ok().filter(|v| (-128..=127).contains(v)).ok_or_else(|| {
                format!("--set: {name} needs an integer in -128..=127, got `{value}`")
            })?;
        match name.trim() {
            "rssiMin" => rssi_min = Some(value),
            "rssiMaxDelta" => rssi_max_delta = Some(value),
            other => return Err(format!("--set: `{other}` is not rssiMin or rssiMaxDelta")),
        }
    }
    Ok((rssi_min, rssi_max_delta))
}

/// The log's polls on the replay's clock: the CSV's own `time_s`, other formats' seconds since
/// their first reading.
fn polls(log: &RssiLog) -> Vec<ReplayPoll> {
    let offset_s = if log.format == LogFormat::Csv { log.start_s } else { 0.0 };
    log.readings
        .iter()
        .map(|reading| {
            let place = reading.place.as_deref().unwrap_or("");
            let active = place.eq_ignore_ascii_case("desk");
            ReplayPoll {
                time: SimTime::from_us(((offset_s + reading.time_s) * 1e6).round() as u64),
                rssi_db: reading.rssi_db.map(|v| v.round() as i16),
                active,
                seated: active || place.eq_ignore_ascii_case("seated"),
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

/// Runs the command; 0 on success, 2 on unreadable or invalid input.
pub fn run(args: &ReplayArgs) -> Exit {
    let (rssi_min, rssi_max_delta) = match parse_sets(&args.set) {
        Ok(sets) => sets,
        Err(message) => return usage(&message),
    };
    let file = match PolicyFile::read(&args.policy) {
        Ok(file) => file,
        Err(exit) => return exit,
    };
    let Some((policy, diagnostics)) = file.policy() else {
        return usage(&format!("{}: rules alone are not a policy", args.policy.display()));
    };
    if diagnostics.iter().any(engine::Diagnostic::is_error) {
        report(&diagnostics);
        return Exit::BadInput;
    }
    let Some(policy) = policy else { return usage("the policy could not be loaded") };
    let settings = match dynamic_lock_settings(&policy, rssi_min, rssi_max_delta) {
        Ok(settings) => settings,
        Err(message) => return usage(&format!("{}: {message}", args.policy.display())),
    };
    let thresholds = settings.locking_signals[0].thresholds;
    let log = match read(args) {
        Ok(log) => log,
        Err(message) => return usage(&message),
    };
    let polls = polls(&log);
    let locks = match replay(&polls, settings) {
        Ok(locks) => locks,
        Err(message) => return usage(&message),
    };
    let rows: Vec<(ReplayLock, Option<f64>)> =
        locks.iter().map(|lock| (*lock, after_leaving_s(&polls, lock))).collect();
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
            let when = after.map_or_else(String::new, |s| format!(", {s:.1} s after leaving"));
            let seated = if lock.while_seated { " (while seated: a false lock)" } else { "" };
            let reason = json!(lock.reason);
            let reason = reason.as_str().unwrap_or("lock");
            outln!("lock at {:.1} s ({reason}){when}{seated}", lock.time.as_s_f64());
        }
        outln!("locks: {}, false locks (while seated): {false_locks}", locks.len());
    }
    Exit::Success
}

/// Seconds from the user leaving the desk (the first inactive poll after an active one) to
/// `lock`, when the lock came after leaving.
fn after_leaving_s(polls: &[ReplayPoll], lock: &ReplayLock) -> Option<f64> {
    if lock.while_seated {
        return None;
    }
    let before: Vec<&ReplayPoll> = polls.iter().take_while(|p| p.time <= lock.time).collect();
    let left = before.windows(2).rev().find(|pair| pair[0].seated && !pair[1].seated)?[1];
    Some(lock.time.saturating_duration_since(left.time).as_s_f64())
}
