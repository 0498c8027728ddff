//! `unlocksim replay --grid`: one recorded log replayed at every point of a grid of parameters,
//! judged like a sweep point. Each point is one replay (no seeds: the log is the only run); its
//! decision metrics come from `reports::metrics` on the replay's lock, unlock and `at_desk`
//! records, and the table, JSON, recommendation and heat-map report are the sweep's
//! (`reports::sweep`, `reports::recommend`). Points run in parallel and are collected in grid
//! order, so the output is the same on any number of threads.

use std::path::Path;

use rayon::prelude::*;
use reports::metrics::{AggregateMetrics, Metric, MetricOptions, RunMetrics};
use reports::recommend::{
    Objective, RecommendationCriteria, microsoft_defaults, recommend, recommendation_text,
    shell_word,
};
use reports::summary::Exit;
use reports::sweep::{
    SweepKind, SweepMeta, SweepPoint, metric_cell, param_text, sweep_json, write_sweep_report,
};
use scenarios::params::{ParamValue, range_values};
use scenarios::replay::{ReplayLock, ReplayPolicy, ReplayPoll, canonical_parameter, replay};

use super::{REPLAY_INTERPRETATIONS, ReplayArgs, interpretation_values, lock_line, usage};
use crate::input::read_input;
use crate::run_cmd::InterpretationMode;

/// Most points one replay grid may have: at a few thousand points per second on a day log
/// (release build, 2 cores; docs/calibrate.md), under a minute (unknown; chosen, range
/// 10^3..10^6).
pub const REPLAY_GRID_POINTS_MAX: u64 = 100_000;

/// The metrics a replay measures. Unlock availability and unlock from afar are left out: a
/// replay's unlocks are the user's PIN at the desk, which always succeeds, and a recorded log
/// has no unlock attempts from afar.
pub const REPLAY_METRICS: [Metric; 5] = [
    Metric::TimeToLockP50,
    Metric::TimeToLockP95,
    Metric::TimeToLockMax,
    Metric::NeverLock,
    Metric::FalseLocks,
];

/// One parameter of the grid and its values.
pub(super) type Dimension = (String, Vec<ParamValue>);

/// The grid of `--grid` (in order), then, with `--interpretations all`, each interpretation a
/// replay depends on that `--set`/`--interpretation` did not pin nor `--grid` sweep.
///
/// # Errors
/// A malformed `--grid`, a name a replay does not take, a value the parameter refuses, a
/// parameter given twice, or more than [`REPLAY_GRID_POINTS_MAX`] points.
pub(super) fn dimensions(
    args: &ReplayArgs,
    policy: &ReplayPolicy,
) -> Result<Vec<Dimension>, String> {
    let mut dims: Vec<Dimension> = Vec::new();
    for text in &args.grid {
        let expected = || {
            format!(
                "--grid `{text}`: expected NAME=FROM..TO:STEP or NAME=V1,V2,... (e.g. \
                dynamic_lock_rssi_min=-20..-5:1)"
            )
        };
        let (name, values) = text
            .split_once('=')
            .filter(|(n, v)| !n.trim().is_empty() && !v.trim().is_empty())
            .ok_or_else(expected)?;
        let name = canonical_parameter(name.trim()).to_owned();
        if dims.iter().any(|(n, _)| *n == name) {
            return Err(format!("--grid: `{name}` is given twice"));
        }
        let values = values_of(&name, values.trim()).map_err(|e| format!("--grid {text}: {e}"))?;
        for value in &values {
            policy
                .with_parameters(&[(name.clone(), value.clone())])
                .map_err(|e| format!("--grid {name}={}: {e}", param_text(value)))?;
        }
        dims.push((name, values));
    }
    if args.interpretations == InterpretationMode::All {
        let mut pinned: Vec<String> = crate::run_plan::parse_overrides(&args.set)?
            .into_iter()
            .map(|(name, _)| canonical_parameter(&name).to_owned())
            .collect();
        pinned.extend(
            args.interpretation
                .iter()
                .filter_map(|p| p.split_once('='))
                .map(|(n, _)| n.trim().to_owned()),
        );
        for name in REPLAY_INTERPRETATIONS {
            if !pinned.iter().any(|p| p == name) && !dims.iter().any(|(n, _)| n == name) {
                dims.push((name.to_owned(), interpretation_values(name)));
            }
        }
    }
    let count = dims.iter().fold(1u64, |n, (_, v)| n.saturating_mul(v.len() as u64));
    if count > REPLAY_GRID_POINTS_MAX {
        return Err(format!(
            "the replay grid has {count} points, at most {REPLAY_GRID_POINTS_MAX}"
        ));
    }
    Ok(dims)
}

/// `FROM..TO:STEP` (a sweep's `range:`) or `V1,V2,...` (a sweep's `values:`).
fn values_of(name: &str, text: &str) -> Result<Vec<ParamValue>, String> {
    if let Some((range, step)) = text.rsplit_once(':')
        && let Some((from, to)) = range.split_once("..")
    {
        let number = |part: &str, what: &str| {
            part.trim()
                .parse::<f64>()
                .map_err(|_| format!("the range's {what} `{}` is not a number", part.trim()))
        };
        let (from, to, step) = (number(from, "start")?, number(to, "end")?, number(step, "step")?);
        return range_values(name, from, to, step, REPLAY_GRID_POINTS_MAX);
    }
    text.split(',')
        .map(|item| match item.trim() {
            "" => Err("an empty value in the list".to_owned()),
            item => Ok(crate::run_plan::parse_value(item)),
        })
        .collect()
}

/// The command that replays one point on its own.
fn point_command(args: &ReplayArgs, params: &[(String, ParamValue)]) -> String {
    let mut words = vec!["unlocksim".to_owned(), "replay".to_owned()];
    words.push(shell_word(&args.log.display().to_string()));
    words.extend(["--policy".to_owned(), shell_word(&args.policy.display().to_string())]);
    if let Some(activity) = &args.activity {
        words.extend(["--activity".to_owned(), shell_word(&activity.display().to_string())]);
    }
    if let Some(device) = &args.device {
        words.extend(["--device".to_owned(), shell_word(device)]);
    }
    let given = args.set.iter().chain(&args.interpretation).map(String::as_str);
    let point = params.iter().map(|(n, v)| format!("{n}={}", param_text(v)));
    for set in given.map(str::to_owned).chain(point) {
        words.extend(["--set".to_owned(), shell_word(&set)]);
    }
    words.join(" ")
}

/// Replays the log at one point: its sweep point (one run, or one failed run) and its locks.
fn evaluate(
    policy: &ReplayPolicy,
    params: Vec<(String, ParamValue)>,
    polls: &[ReplayPoll],
    command: String,
) -> (SweepPoint, Vec<ReplayLock>) {
    let outcome = policy
        .with_parameters(&params)
        .and_then(|policy| policy.settings())
        .and_then(|settings| replay(polls, settings));
    let (runs, failed_runs, locks) = match outcome {
        Ok(outcome) => {
            let mut run =
                RunMetrics::from_trace(&outcome.trace, outcome.end, &MetricOptions::default());
            // The user's PIN at the desk always unlocks: not a measurement of the policy.
            run.desk_unlock_attempts_count = 0;
            run.desk_unlocks_count = 0;
            (vec![run], Vec::new(), outcome.locks)
        }
        Err(error) => (Vec::new(), vec![error], Vec::new()),
    };
    let metrics = AggregateMetrics::from_runs(&runs);
    (SweepPoint { params, failed_runs, metrics, command }, locks)
}

/// The report's metadata: the log and the policy with their SHA-256.
fn meta(args: &ReplayArgs, criteria: RecommendationCriteria) -> Result<SweepMeta, String> {
    let hash = |path: &Path| {
        read_input(path)
            .map(|text| scenarios::load::content_hash(&text))
            .map_err(|reason| format!("{}: {reason}", path.display()))
    };
    let name = args.log.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    Ok(SweepMeta {
        kind: SweepKind::Replay,
        name,
        file: format!("{} sha256 {}", args.log.display(), hash(&args.log)?),
        scenarios: vec![(args.policy.display().to_string(), hash(&args.policy)?)],
        seeds: "none (one recorded log)".to_owned(),
        program_version: env!("CARGO_PKG_VERSION").to_owned(),
        interpretation: "defaults (hysteresis, authentication_lock off) unless set or swept"
            .to_owned(),
        criteria,
        objective: Objective::default(),
    })
}

/// Replays every point, writes the report when asked and prints the results when `print`.
pub(super) fn run(
    args: &ReplayArgs,
    policy: &ReplayPolicy,
    dims: &[Dimension],
    polls: &[ReplayPoll],
    print: bool,
) -> Exit {
    let evaluated: Vec<(SweepPoint, Vec<ReplayLock>)> = scenarios::params::cartesian_points(dims)
        .into_par_iter()
        .map(|params| {
            let command = point_command(args, &params);
            evaluate(policy, params, polls, command)
        })
        .collect();
    let points: Vec<SweepPoint> = evaluated.iter().map(|(p, _)| p.clone()).collect();
    let criteria = RecommendationCriteria::default();
    let meta = match meta(args, criteria) {
        Ok(meta) => meta,
        Err(message) => return usage(&message),
    };
    let recommendation = recommend(&points, &criteria, meta.objective).map(|mut r| {
        r.microsoft_defaults = microsoft_defaults(&points, &[], &criteria);
        r.command = Some(points[r.point_index].command.clone());
        r
    });
    if let Some(dir) = &args.report {
        let written = std::fs::create_dir_all(dir).and_then(|()| {
            write_sweep_report(dir, &meta, &points, &REPLAY_METRICS, recommendation.as_ref())
        });
        if let Err(error) = written {
            return usage(&format!("{}: {error}", dir.display()));
        }
    }
    if !print {
        return Exit::Success;
    }
    if args.json {
        out!("{}", sweep_json(&meta, &points, recommendation.as_ref()));
    } else if args.grid.is_empty() && !dims.is_empty() {
        out!("{}", grouped_text(polls, &evaluated));
    } else {
        out!("{}", table_text(polls, &points));
        if let Some(r) = &recommendation {
            out!("{}", recommendation_text(r, &criteria));
        }
    }
    Exit::Success
}

/// A column of the text table: (heading, cell of a point).
type Column = (&'static str, fn(&SweepPoint) -> String);

/// Columns of the text table after the parameters.
const TABLE_COLUMNS: [Column; 6] = [
    ("false_locks_count", |p| p.metrics.counts.false_locks_count.to_string()),
    ("false_locks_per_h", |p| metric_cell(&p.metrics, Metric::FalseLocks)),
    ("walk_aways_count", |p| p.metrics.walk_aways_count.to_string()),
    ("never_lock_share", |p| metric_cell(&p.metrics, Metric::NeverLock)),
    ("time_to_lock_s_p50", |p| metric_cell(&p.metrics, Metric::TimeToLockP50)),
    ("time_to_lock_s_p95", |p| metric_cell(&p.metrics, Metric::TimeToLockP95)),
];

/// One row per point, columns aligned: the parameters, then [`TABLE_COLUMNS`]; a failed point
/// shows its error.
fn table_text(polls: &[ReplayPoll], points: &[SweepPoint]) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header: Vec<String> = points
        .first()
        .map(|p| p.params.iter().map(|(n, _)| n.clone()).collect())
        .unwrap_or_default();
    header.extend(TABLE_COLUMNS.iter().map(|(h, _)| (*h).to_owned()));
    rows.push(header);
    for point in points {
        let mut row: Vec<String> = point.params.iter().map(|(_, v)| param_text(v)).collect();
        match point.failed_runs.first() {
            Some(error) => row.push(format!("failed: {error}")),
            None => row.extend(TABLE_COLUMNS.iter().map(|(_, cell)| cell(point))),
        }
        rows.push(row);
    }
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let plural = if points.len() == 1 { "" } else { "s" };
    let mut text = format!("replay: {} polls at {} point{plural}\n", polls.len(), points.len());
    for row in rows {
        let cells: Vec<String> =
            row.iter().zip(&widths).map(|(cell, width)| format!("{cell:>width$}")).collect();
        text += cells.join("  ").trim_end();
        text.push('\n');
    }
    text
}

/// The points grouped by identical locks (time, reason, while seated), in first-appearance
/// order: which interpretations a replay's outcome depends on.
fn grouped_text(polls: &[ReplayPoll], evaluated: &[(SweepPoint, Vec<ReplayLock>)]) -> String {
    let mut groups: Vec<(&[ReplayLock], Vec<&SweepPoint>)> = Vec::new();
    for (point, locks) in evaluated {
        match groups.iter_mut().find(|(l, _)| *l == locks.as_slice()) {
            Some((_, members)) => members.push(point),
            None => groups.push((locks, vec![point])),
        }
    }
    let mut text = format!(
        "replay: {} polls under {} interpretation combinations: {} distinct outcome{}\n",
        polls.len(),
        evaluated.len(),
        groups.len(),
        if groups.len() == 1 { "" } else { "s" }
    );
    for (index, (locks, members)) in groups.iter().enumerate() {
        text += &format!("outcome {} ({} combinations):\n", index + 1, members.len());
        for point in members {
            let params: Vec<String> =
                point.params.iter().map(|(n, v)| format!("{n}={}", param_text(v))).collect();
            let failed =
                point.failed_runs.first().map_or_else(String::new, |e| format!(" (failed: {e})"));
            text += &format!("  under {}{failed}\n", params.join(" "));
        }
        for lock in *locks {
            text += &format!("  {}\n", lock_line(lock, super::after_leaving_s(polls, lock)));
        }
        let false_locks = locks.iter().filter(|l| l.while_seated).count();
        text += &format!("  locks: {}, false locks (while seated): {false_locks}\n", locks.len());
    }
    text
}
