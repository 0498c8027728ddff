//! What `unlocksim run` tells a person about its scenarios: the PASS/FAIL summary with each
//! failure's timeline excerpt and repro line, the `--json` document, the `--check-determinism`
//! verdicts, and the [`Exit`] code that both binaries return.

use std::process::ExitCode;

use engine::trace::{
    CalibrationRecord, EntityKind, EventLogRecord, LockRecord, PollRecord, PresenceRecord,
    RecordPayload, UnlockDeniedRecord, UnlockRecord,
};
use scenarios::determinism::Determinism;
use scenarios::{InterpretationDifference, Scenario, ScenarioOutcome};
use serde_json::{Value, json};

/// Seconds of trace shown on each side of a failure.
const EXCERPT_WINDOW_S: f64 = 90.0;
/// Most records one failure's timeline excerpt shows.
const EXCERPT_RECORDS_MAX: usize = 40;

/// How a command of either binary (`unlocksim`, `cargo xtask`) ends: the one place where
/// outcomes become process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the command did its work and every check held (also `--help` and `--version`).
    Success,
    /// 1: a check failed: an invalid policy, a failed expectation, a lock-out found, a run
    /// that is not reproducible, a failed sweep run, a fuzz target that found a problem.
    CheckFailed,
    /// 2: a usage error, unreadable or invalid input (nothing was judged), or a run or a write
    /// that could not complete.
    BadInput,
}

impl Exit {
    /// [`Exit::Success`] when every check held, else [`Exit::CheckFailed`].
    pub fn from_passed(passed: bool) -> Exit {
        if passed { Exit::Success } else { Exit::CheckFailed }
    }

    /// The process exit code: 0, 1 or 2.
    pub const fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::CheckFailed => 1,
            Exit::BadInput => 2,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// The command that reproduces one run: `unlocksim run FILE --seed N`, then ` --runs R` when
/// `runs` is given, then `   # unlocksim VERSION` when `program_version` is given.
///
/// The two places that print one differ, and snapshots pin both: a report's `reproduce:` line
/// (`RunMeta::command`) passes neither, a failed expectation's `repro:` line passes both.
pub fn repro_command(
    scenario_file: &str,
    seed: u64,
    runs: Option<u32>,
    program_version: Option<&str>,
) -> String {
    let mut command = format!("unlocksim run {scenario_file} --seed {seed}");
    if let Some(runs) = runs {
        command.push_str(&format!(" --runs {runs}"));
    }
    if let Some(version) = program_version {
        command.push_str(&format!("   # unlocksim {version}"));
    }
    command
}

/// One scenario's judged runs, as the summary and `--json` show them.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioReport<'a> {
    /// The scenario that ran.
    pub scenario: &'a Scenario,
    /// One outcome per set of interpretations that ran: the scenario's own, or every
    /// combination (`--interpretations all`). Never empty; the first is the primary one.
    pub outcomes: &'a [ScenarioOutcome],
    /// What differs between interpretations; empty unless every combination ran.
    pub differences: &'a [InterpretationDifference],
    /// Whether every combination ran: the JSON then carries the differences and the verdict
    /// over all of them.
    pub all_interpretations: bool,
}

impl ScenarioReport<'_> {
    fn primary(&self) -> &ScenarioOutcome {
        assert!(!self.outcomes.is_empty(), "a scenario report has at least one outcome");
        &self.outcomes[0]
    }

    /// Whether every expectation held under every set of interpretations.
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(ScenarioOutcome::passed)
    }

    /// One text per failed expectation (under several interpretations: once, where it first
    /// failed, saying under how many more): `  FAIL what`; for a per-run expectation `N of M runs
    /// failed` and every failing run grouped by what happened, each with its repro line; else
    /// what happened instead and the repro line of the run it names; then the interpretations
    /// when several ran and the timeline around the first failure. The repro lines name
    /// `program_version`. Lines are joined by `\n`, without a final one.
    pub fn failures(&self, program_version: &str) -> Vec<String> {
        let several = self.outcomes.len() > 1;
        let file = &self.scenario.file;
        let expectations_count = self.primary().expectations.len();
        // Under several interpretations, each failed expectation once: where it first failed,
        // with how many other combinations it failed under (the differences say which).
        (0..expectations_count)
            .filter_map(|index| {
                let mut failing = self.outcomes.iter().filter_map(move |o| {
                    o.expectations.get(index).filter(|e| !e.passed).map(|e| (o, e))
                });
                let first = failing.next()?;
                Some((first, failing.count()))
            })
            .map(|((o, e), more_count)| {
                // Under another combination, the repro sets the interpretations that differ.
                let settings = interpretation_flags(&self.scenario.interpretations, o);
                let repro = |seed| {
                    let command = repro_command(file, seed, Some(1), None);
                    let overrides = &self.scenario.repro_flags;
                    format!("{command}{settings}{overrides}   # unlocksim {program_version}")
                };
                let mut text = format!("  FAIL {}", e.description);
                if e.failed_runs.is_empty() {
                    text.push_str(&format!("\n       {}", e.detail));
                    if let Some(seed) = e.failed_seed {
                        text.push_str(&format!("\n       repro: {}", repro(seed)));
                    }
                } else {
                    text.push_str(&failed_runs_text(e, o.runs_count, &repro));
                }
                if several {
                    let label = o.interpretations.label();
                    text.push_str(&format!("\n       under interpretations {label}"));
                    if more_count > 0 {
                        text.push_str(&format!(
                            " and {more_count} other combination(s) of the {} compared",
                            self.outcomes.len()
                        ));
                    }
                }
                if let (Some(seed), Some(at)) = (e.failed_seed, e.failed_at_s) {
                    let lines = excerpt(o, seed, at);
                    if !lines.is_empty() {
                        text.push_str(&format!(
                            "\n    timeline around t={} (seed {seed}):\n{lines}",
                            engine::time::human_s(at)
                        ));
                    }
                }
                text
            })
            .collect()
    }

    /// The summary of the scenario: `PASS|FAIL name (file) runs=N seeds 1-20 1.23 s`, then each of
    /// `failures` and each difference between interpretations; every line ends in `\n`.
    pub fn text(&self, failures: &[String], elapsed_s: f64) -> String {
        let verdict = if self.passed() { "PASS" } else { "FAIL" };
        let scenario = self.scenario;
        let primary = self.primary();
        let runs_count = primary.runs_count * self.outcomes.len();
        let combinations = match self.outcomes.len() {
            1 => String::new(),
            count => format!(" x {count} interpretations"),
        };
        let mut text = format!(
            "{verdict} {} ({}) runs={runs_count} seeds {}{combinations} {}\n",
            scenario.name,
            scenario.file,
            seed_span_text(primary.first_seed, primary.runs_count),
            engine::time::human_s(elapsed_s)
        );
        for failure in failures {
            text.push_str(&format!("{failure}\n"));
        }
        for difference in self.differences {
            text.push_str(&difference_text(difference));
        }
        text
    }

    /// The scenario's object in the `--json` document (see [`run_json`]).
    pub fn json(&self) -> Value {
        let mut value = outcome_json(self.scenario, self.primary());
        if self.all_interpretations {
            value["interpretation_differences"] = json!(self.differences);
            value["passed"] = json!(self.passed());
        }
        value
    }
}

/// ` --interpretation NAME=VALUE` for each interpretation in which `outcome` ran differently
/// from `own` (empty when none did).
pub(crate) fn interpretation_flags(
    own: &engine::policy::Interpretations,
    outcome: &ScenarioOutcome,
) -> String {
    use engine::policy::interpretation::INTERPRETATION_NAMES;
    let (own, ran) = (own.values(), outcome.interpretations.values());
    INTERPRETATION_NAMES
        .iter()
        .zip(own.iter().zip(ran))
        .filter(|(_, (own, ran))| *own != ran)
        .map(|(name, (_, ran))| format!(" --interpretation {name}={ran}"))
        .collect()
}

/// One difference between interpretations, grouped by outcome: `  DIFFERS what: depends on
/// knob, knob`, then each outcome and the settings of those knobs under which it happens (the
/// values of a single knob on one line); every line ends in `\n`.
fn difference_text(difference: &scenarios::InterpretationDifference) -> String {
    let mut text =
        format!("  DIFFERS {}: depends on {}\n", difference.what, difference.depends_on.join(", "));
    for group in &difference.groups {
        text.push_str(&format!("       {}\n", group.outcome));
        if let [knob] = difference.depends_on.as_slice() {
            let prefix = format!("{knob}=");
            let values: Vec<&str> =
                group.under.iter().map(|u| u.strip_prefix(&prefix).unwrap_or(u)).collect();
            text.push_str(&format!("         under {prefix}{}\n", values.join(" or ")));
        } else {
            for setting in &group.under {
                text.push_str(&format!("         under {setting}\n"));
            }
        }
    }
    text
}

/// The lines (each after a `\n`) that name the failing runs of a per-run expectation:
/// `N of M runs failed`, then one group per way of failing (in order of its first seed) with
/// how many runs and the seeds listed (`, and K more` past the listed ones), then each listed
/// run's detail and `repro` line, and how many failing runs are not listed, if any (see
/// `scenarios::expect::FAILED_RUNS_KEPT_MAX`).
fn failed_runs_text(
    result: &scenarios::ExpectationResult,
    runs_count: usize,
    repro: &dyn Fn(u64) -> String,
) -> String {
    let mut text = format!("\n       {} of {runs_count} runs failed", result.failed_runs_count());
    for group in &result.failed_groups {
        let members: Vec<&scenarios::FailedRun> =
            result.failed_runs.iter().filter(|r| r.what == group.what).collect();
        let seeds: Vec<u64> = members.iter().map(|r| r.seed).collect();
        let (runs, seeds_word) =
            if group.runs_count == 1 { ("run", "seed") } else { ("runs", "seeds") };
        let more = match group.runs_count - members.len() {
            0 => String::new(),
            more => format!(", and {more} more"),
        };
        text.push_str(&format!(
            "\n       {}: {} {runs} ({} {}{more})",
            group.what,
            group.runs_count,
            seeds_word,
            seed_ranges(&seeds)
        ));
        for run in members {
            text.push_str(&format!("\n         seed {}: {}", run.seed, run.detail));
            text.push_str(&format!("\n           repro: {}", repro(run.seed)));
        }
    }
    if result.failed_runs_omitted > 0 {
        text.push_str(&format!(
            "\n       ... and {} more failing runs not listed (the first {} are)",
            result.failed_runs_omitted,
            result.failed_runs.len()
        ));
    }
    text
}

/// The seeds `first`, `first + 1`, ... (`count` of them, wrapping past `u64::MAX` to 0) as
/// [`seed_ranges`] writes them, without listing them: `1-20`, `7`, `0-1, 18446744073709551615`.
pub fn seed_span_text(first: u64, count: usize) -> String {
    if count == 0 {
        return String::new();
    }
    let range = |a: u64, b: u64| if a == b { a.to_string() } else { format!("{a}-{b}") };
    let last = first.wrapping_add(count as u64 - 1);
    if last >= first {
        range(first, last)
    } else {
        format!("{}, {}", range(0, last), range(first, u64::MAX))
    }
}

/// Seeds as a person reads them: sorted runs of consecutive seeds as `A-B`, the rest as single
/// numbers, separated by `, ` (`1-3, 7, 9-10`).
pub fn seed_ranges(seeds: &[u64]) -> String {
    let mut sorted = seeds.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut index = 0;
    while index < sorted.len() {
        let start = sorted[index];
        let mut end = start;
        while index + 1 < sorted.len() && sorted[index + 1] == end.saturating_add(1) {
            index += 1;
            end = sorted[index];
        }
        parts.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
        index += 1;
    }
    parts.join(", ")
}

/// The `--json` document: `{"version", "scenarios": [...]}` on one line, without a newline.
pub fn run_json(program_version: &str, scenarios: Vec<Value>) -> String {
    json!({ "version": program_version, "scenarios": scenarios }).to_string()
}

/// The summary's last line: `N passed, M failed`, without a newline.
pub fn totals_line(passed_count: usize, failed_count: usize) -> String {
    format!("{passed_count} passed, {failed_count} failed")
}

/// One scenario's determinism verdict: `DETERMINISTIC|NONDETERMINISTIC name (file) seeds=N
/// threads=[A, B]`, then one line per differing seed; every line ends in `\n`.
pub fn determinism_text(scenario: &Scenario, verdict: &Determinism) -> String {
    let [threads_first, threads_second] = verdict.threads;
    let label = if verdict.reproducible() { "DETERMINISTIC" } else { "NONDETERMINISTIC" };
    let mut text = format!(
        "{label} {} ({}) seeds={} threads={:?}\n",
        scenario.name, scenario.file, verdict.seeds_count, verdict.threads
    );
    for mismatch in &verdict.mismatches {
        let [a, b] = mismatch.trace_hashes;
        text.push_str(&format!(
            "  seed {}: {a} on {threads_first} thread(s), {b} on {threads_second}\n",
            mismatch.seed
        ));
    }
    text
}

/// The determinism check's last line, without a newline.
pub fn determinism_totals_line(reproducible_count: usize, mismatched_count: usize) -> String {
    format!("determinism: {reproducible_count} scenario(s) reproducible, {mismatched_count} not")
}

/// A trace record as the `--json` output shows it: time in seconds, the device, the kind and the
/// payload's fields.
fn event_json(record: &engine::trace::TraceRecord) -> Value {
    let mut object = serde_json::Map::new();
    object.insert("t_s".into(), json!(record.time.as_s_f64()));
    object.insert("device".into(), json!(record.entity.id()));
    object.insert("kind".into(), json!(record.kind));
    if let Value::Object(payload) = &record.payload {
        for (key, value) in payload {
            object.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    Value::Object(object)
}

/// The kinds of PC record the `--json` output lists (`wifi`: which access point and BSSID the
/// PC is associated with, from each connection, roam or loss).
const JSON_EVENT_KINDS: [&str; 7] = [
    LockRecord::KIND,
    UnlockRecord::KIND,
    UnlockDeniedRecord::KIND,
    EventLogRecord::KIND,
    PresenceRecord::KIND,
    "notification",
    engine::trace::WifiChange::KIND,
];

/// One run's object in the `--json` document: its seed, trace hash, PC events and, when it drew
/// any, its calibration values.
pub fn run_json_value(run: &scenarios::RunOutput) -> Value {
    let events: Vec<Value> = run
        .trace
        .records
        .iter()
        .filter(|r| {
            r.entity.kind() == EntityKind::Pc && JSON_EVENT_KINDS.contains(&r.kind.as_str())
        })
        .map(event_json)
        .collect();
    let mut item = json!({
        "seed": run.seed, "trace_hash": run.trace_hash.to_string(), "events": events,
    });
    // What the run drew from the scenario's calibration distributions, when anything.
    let drawn = run.trace.records.iter().find_map(|r| r.read::<CalibrationRecord>());
    if let Some(record) = drawn {
        item["calibration"] = json!(record.drawn);
    }
    item
}

fn outcome_json(scenario: &Scenario, outcome: &ScenarioOutcome) -> Value {
    let runs: Vec<Value> = outcome.runs.iter().map(run_json_value).collect();
    json!({
        "file": scenario.file,
        "name": scenario.name,
        "content_hash": scenario.content_hash,
        "interpretations": outcome.interpretations.label(),
        "passed": outcome.passed(),
        "runs": runs,
        "expectations": outcome.expectations,
    })
}

/// The `--json` document written as runs finish, so that it never has to fit in memory: the
/// same document as [`run_json`] with [`ScenarioReport::json`] objects, except that in each
/// scenario `runs` comes before `expectations` and `passed` (known only after the last run).
/// Write [`JsonStream::start`], then per scenario [`JsonStream::scenario_start`], each run of
/// the primary interpretations with [`JsonStream::run`] and [`JsonStream::scenario_end`], then
/// [`JsonStream::end`]. A scenario that stops on an error ends with [`JsonStream::scenario_error`]
/// instead, so the document stays valid JSON.
#[derive(Debug, Default)]
pub struct JsonStream {
    scenarios_count: usize,
    runs_count: usize,
}

impl JsonStream {
    /// `{"version":"0.1.0","scenarios":[`.
    pub fn start(program_version: &str) -> String {
        format!("{{\"version\":{},\"scenarios\":[", json!(program_version))
    }

    /// The scenario's fields known before it runs, up to its `"runs":[`.
    pub fn scenario_start(
        &mut self,
        scenario: &Scenario,
        interpretations: &engine::policy::Interpretations,
    ) -> String {
        let comma = if self.scenarios_count > 0 { "," } else { "" };
        self.scenarios_count += 1;
        self.runs_count = 0;
        format!(
            "{comma}{{\"content_hash\":{},\"file\":{},\"interpretations\":{},\"name\":{},\
             \"runs\":[",
            json!(scenario.content_hash),
            json!(scenario.file),
            json!(interpretations.label()),
            json!(scenario.name),
        )
    }

    /// One run's object ([`run_json_value`]), after a comma when it is not the first.
    pub fn run(&mut self, run: &scenarios::RunOutput) -> String {
        let comma = if self.runs_count > 0 { "," } else { "" };
        self.runs_count += 1;
        format!("{comma}{}", run_json_value(run))
    }

    /// The end of the scenario's object: its expectations, verdict and, with every
    /// interpretation compared, the differences and the verdict over all of them.
    pub fn scenario_end(report: &ScenarioReport<'_>) -> String {
        let primary = report.primary();
        let mut text = format!(
            "],\"expectations\":{},\"passed\":{}",
            json!(primary.expectations),
            if report.all_interpretations { report.passed() } else { primary.passed() }
        );
        if report.all_interpretations {
            text.push_str(&format!(
                ",\"interpretation_differences\":{}",
                json!(report.differences)
            ));
        }
        text + "}"
    }

    /// The end of a scenario that stopped on `error` (its runs so far, then `"error"`).
    pub fn scenario_error(error: &str) -> String {
        format!("],\"error\":{}}}", json!(error))
    }

    /// `]}`: the end of the document.
    pub fn end() -> &'static str {
        "]}"
    }
}

fn excerpt(outcome: &ScenarioOutcome, seed: u64, at_s: f64) -> String {
    let Some(run) = outcome.runs.iter().find(|r| r.seed == seed) else { return String::new() };
    let lines: Vec<String> = run
        .trace
        .records
        .iter()
        .filter(|r| {
            r.kind != PollRecord::KIND && (r.time.as_s_f64() - at_s).abs() <= EXCERPT_WINDOW_S
        })
        .take(EXCERPT_RECORDS_MAX)
        .map(|r| {
            format!(
                "      {:>11} {:<12} {:<14} {}",
                crate::timeline::fmt_time_us(r.time.as_us()),
                r.entity,
                r.kind,
                r.payload
            )
        })
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use engine::trace::TraceHash;
    use rstest::rstest;
    use scenarios::determinism::Mismatch;
    use scenarios::{RunOptions, Scenario, ScenarioOutcome};

    use super::*;

    /// A scenario whose one expectation cannot hold: the phone never leaves, a lock is expected.
    const FAILING: &str = "name: An expectation that cannot hold
seed: 1
duration: 5m
world:
  pcs:
    desk: {position: [0, 0], paired_phones: [ana-phone]}
  phones:
    ana-phone: {carried_by: ana}
  users:
    ana: {position: [0.6, 0]}
windows:
  desk:
    user: ana
    policy_file: dynamic_lock_default.yaml
timeline:
  - {at: 0s, sit: {user: ana}}
  - {at: 2m30s, lock: {pc: desk}}
expect:
  - locked_within: {pc: desk, after: 1m, within: 1m}
";

    /// The failing scenario, loaded, and its one run.
    /// The report of `scenario`'s `outcomes` under one set of interpretations.
    fn report_of<'a>(
        scenario: &'a Scenario,
        outcomes: &'a [ScenarioOutcome],
    ) -> ScenarioReport<'a> {
        ScenarioReport { scenario, outcomes, differences: &[], all_interpretations: false }
    }

    fn failing_run() -> (Scenario, ScenarioOutcome) {
        let policy = include_str!("../../scenarios/policies/dynamic_lock_default.yaml");
        let mut read_file = |_: &str| Ok(policy.to_owned());
        let scenario = scenarios::load_scenario("failing.yaml", FAILING, &mut read_file)
            .unwrap_or_else(|d| panic!("the scenario loads: {d:?}"));
        let options = RunOptions { seed: None, runs: Some(1), discard_polls: true };
        let outcome = scenarios::run_scenario(&scenario, options, &scenario.interpretations, None)
            .unwrap_or_else(|e| panic!("the run completes: {e}"));
        (scenario, outcome)
    }

    #[rstest]
    #[case::report_line(None, None, "unlocksim run s.yaml --seed 7")]
    #[case::failure_line(
        Some(1),
        Some("0.1.0"),
        "unlocksim run s.yaml --seed 7 --runs 1   # unlocksim 0.1.0"
    )]
    fn one_repro_format_with_its_two_options(
        #[case] runs: Option<u32>,
        #[case] version: Option<&str>,
        #[case] expected: &str,
    ) {
        assert_eq!(repro_command("s.yaml", 7, runs, version), expected);
    }

    #[test]
    fn a_failed_expectation_shows_what_happened_the_timeline_and_the_repro_line() {
        let (scenario, outcome) = failing_run();
        let outcomes = [outcome];
        let report = report_of(&scenario, &outcomes);
        let failures = report.failures("0.1.0");
        insta::assert_snapshot!(report.text(&failures, 0.5), @r#"
        FAIL An expectation that cannot hold (failing.yaml) runs=1 seeds 1 0.50 s
          FAIL desk locks within 1m after 1m
               1 of 1 runs failed
               locked late: 1 run (seed 1)
                 seed 1: not locked by 2m: locks at 2 m 30 s (manual)
                   repro: unlocksim run failing.yaml --seed 1 --runs 1   # unlocksim 0.1.0
            timeline around t=2 m 00 s (seed 1):
              0:02:30.000 pc:desk      action         {"action":"lock"}
              0:02:30.000 pc:desk      lock           {"detail":{"user_distance_m":0.6},"reason":"manual"}
        "#);
        assert_eq!(Exit::from_passed(report.passed()), Exit::CheckFailed);
    }

    #[test]
    fn the_json_document_lists_pc_events_and_expectations() {
        let (scenario, outcome) = failing_run();
        let outcomes = [outcome];
        let report = report_of(&scenario, &outcomes);
        let mut value = report.json();
        value["content_hash"] = json!("[HASH]");
        value["runs"][0]["trace_hash"] = json!("[HASH]");
        let document: Value = serde_json::from_str(&run_json("0.1.0", vec![value]))
            .unwrap_or_else(|e| panic!("the document is JSON: {e}"));
        let pretty = serde_json::to_string_pretty(&document).unwrap_or_default();
        insta::assert_snapshot!(pretty, @r#"
        {
          "scenarios": [
            {
              "content_hash": "[HASH]",
              "expectations": [
                {
                  "description": "desk locks within 1m after 1m",
                  "detail": "seed 1: not locked by 2m: locks at 2 m 30 s (manual)",
                  "failed_at_s": 120.0,
                  "failed_groups": [
                    {
                      "runs_count": 1,
                      "what": "locked late"
                    }
                  ],
                  "failed_runs": [
                    {
                      "at_s": 120.0,
                      "detail": "not locked by 2m: locks at 2 m 30 s (manual)",
                      "seed": 1,
                      "what": "locked late"
                    }
                  ],
                  "failed_seed": 1,
                  "passed": false
                }
              ],
              "file": "failing.yaml",
              "interpretations": "hysteresis/all/primary/off/no_effect",
              "name": "An expectation that cannot hold",
              "passed": false,
              "runs": [
                {
                  "events": [
                    {
                      "device": "desk",
                      "kind": "presence",
                      "phone": "ana-phone",
                      "rssi": 0,
                      "rssi_min": -10,
                      "signal": "dynamic_lock",
                      "state": "present",
                      "t_s": 1.871251
                    },
                    {
                      "detail": {
                        "user_distance_m": 0.6
                      },
                      "device": "desk",
                      "kind": "lock",
                      "reason": "manual",
                      "t_s": 150.0
                    }
                  ],
                  "seed": 1,
                  "trace_hash": "[HASH]"
                }
              ]
            }
          ],
          "version": "0.1.0"
        }
        "#);
    }

    #[rstest]
    #[case::none(&[], "")]
    #[case::one(&[4], "4")]
    #[case::a_range(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], "1-20")]
    #[case::mixed_unsorted(&[9, 3, 12, 5, 13, 7, 20, 18, 19], "3, 5, 7, 9, 12-13, 18-20")]
    #[case::duplicates(&[2, 2, 3], "2-3")]
    #[case::at_the_top(&[u64::MAX - 1, u64::MAX], "18446744073709551614-18446744073709551615")]
    fn seeds_read_as_ranges(#[case] seeds: &[u64], #[case] expected: &str) {
        assert_eq!(seed_ranges(seeds), expected);
    }

    /// A run of seeds reads as the list of them would (wrapping past the top to 0).
    #[rstest]
    #[case::none(5, 0, "")]
    #[case::one(4, 1, "4")]
    #[case::twenty(1, 20, "1-20")]
    #[case::at_the_top(u64::MAX - 1, 2, "18446744073709551614-18446744073709551615")]
    #[case::wrapping(u64::MAX, 3, "0-1, 18446744073709551615")]
    #[case::wrapping_to_zero(u64::MAX, 2, "0, 18446744073709551615")]
    fn seed_spans_read_as_their_ranges(
        #[case] first: u64,
        #[case] count: usize,
        #[case] expected: &str,
    ) {
        let listed: Vec<u64> = (0..count as u64).map(|i| first.wrapping_add(i)).collect();
        assert_eq!(seed_span_text(first, count), seed_ranges(&listed));
        assert_eq!(seed_span_text(first, count), expected);
    }

    /// 300 failing runs (two chunks of runs in flight): the summary counts every one, lists
    /// the first `FAILED_RUNS_KEPT_MAX` and keeps one run (the first, which fails first) for
    /// the excerpt; `on_run` saw every run in seed order.
    #[test]
    fn failing_runs_past_the_listed_ones_are_counted_and_not_kept() {
        let (scenario, _) = failing_run();
        let options = RunOptions { seed: None, runs: Some(300), discard_polls: true };
        let mut seen = Vec::new();
        let mut on_run =
            |_: &engine::policy::Interpretations, run: &scenarios::RunOutput, _: bool| {
                seen.push(run.seed);
                Ok(())
            };
        let outcome = scenarios::run_scenario_streaming(
            &scenario,
            options,
            &scenario.interpretations,
            None,
            &mut on_run,
        )
        .unwrap_or_else(|e| panic!("the runs complete: {e}"));
        assert_eq!(seen, (1..=300).collect::<Vec<u64>>());
        let kept: Vec<u64> = outcome.runs.iter().map(|r| r.seed).collect();
        assert_eq!((kept, outcome.first_seed, outcome.runs_count), (vec![1], 1, 300));
        let outcomes = [outcome];
        let report = report_of(&scenario, &outcomes);
        let failure = report.failures("0.1.0").join("\n");
        let lines: Vec<&str> = failure.lines().collect();
        let shown = [&lines[..4], &lines[lines.len() - 6..]].concat().join("\n");
        insta::assert_snapshot!(shown, @r#"
          FAIL desk locks within 1m after 1m
               300 of 300 runs failed
               locked late: 300 runs (seeds 1-100, and 200 more)
                 seed 1: not locked by 2m: locks at 2 m 30 s (manual)
                 seed 100: not locked by 2m: locks at 2 m 30 s (manual)
                   repro: unlocksim run failing.yaml --seed 100 --runs 1   # unlocksim 0.1.0
               ... and 200 more failing runs not listed (the first 100 are)
            timeline around t=2 m 00 s (seed 1):
              0:02:30.000 pc:desk      action         {"action":"lock"}
              0:02:30.000 pc:desk      lock           {"detail":{"user_distance_m":0.6},"reason":"manual"}
        "#);
        assert_eq!(lines.iter().filter(|l| l.contains("repro:")).count(), 100);
    }

    /// The JSON document written run by run parses to the document made at once.
    #[test]
    fn the_streamed_json_document_equals_the_whole_one() {
        let (scenario, outcome) = failing_run();
        let outcomes = [outcome];
        let report = report_of(&scenario, &outcomes);
        let whole: Value = serde_json::from_str(&run_json("0.1.0", vec![report.json()]))
            .unwrap_or_else(|e| panic!("the document is JSON: {e}"));
        let mut stream = JsonStream::default();
        let mut text = JsonStream::start("0.1.0");
        text.push_str(&stream.scenario_start(&scenario, &outcomes[0].interpretations));
        for run in &outcomes[0].runs {
            text.push_str(&stream.run(run));
        }
        text.push_str(&JsonStream::scenario_end(&report));
        text.push_str(JsonStream::end());
        let streamed: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the streamed document is JSON: {e}: {text}"));
        assert_eq!(streamed, whole);
        let stopped = format!(
            "{}{}{}{}",
            JsonStream::start("0.1.0"),
            JsonStream::default().scenario_start(&scenario, &outcomes[0].interpretations),
            JsonStream::scenario_error("a run failed"),
            JsonStream::end()
        );
        let stopped: Value = serde_json::from_str(&stopped)
            .unwrap_or_else(|e| panic!("a stopped document is JSON: {e}"));
        assert_eq!(stopped["scenarios"][0]["error"], "a run failed");
    }

    #[rstest]
    #[case::zero(0.0, "0 s")]
    #[case::negative(-3.0, "0 s")]
    #[case::not_a_number(f64::NAN, "0 s")]
    #[case::short(0.349, "0.35 s")]
    #[case::seconds(46.35, "46.4 s")]
    #[case::just_under_a_minute(59.96, "1 m 00 s")]
    #[case::minutes(62.4, "1 m 02 s")]
    #[case::minutes_and_micros(157.290_782, "2 m 37 s")]
    #[case::hours(7_500.0, "2 h 05 m")]
    fn durations_read_for_people(#[case] seconds: f64, #[case] expected: &str) {
        assert_eq!(engine::time::human_s(seconds), expected);
    }

    #[test]
    fn determinism_verdicts_name_each_differing_seed() {
        let (scenario, _) = failing_run();
        let mismatch =
            Mismatch { seed: 3, trace_hashes: [TraceHash([0xaa; 32]), TraceHash([0xbb; 32])] };
        let verdict = Determinism { seeds_count: 4, threads: [1, 4], mismatches: vec![mismatch] };
        let text = determinism_text(&scenario, &verdict)
            .replace(&"aa".repeat(32), "[A]")
            .replace(&"bb".repeat(32), "[B]");
        insta::assert_snapshot!(text, @r"
        NONDETERMINISTIC An expectation that cannot hold (failing.yaml) seeds=4 threads=[1, 4]
          seed 3: [A] on 1 thread(s), [B] on 4
        ");
        insta::assert_snapshot!(
            determinism_totals_line(1, 1),
            @"determinism: 1 scenario(s) reproducible, 1 not"
        );
        insta::assert_snapshot!(totals_line(38, 1), @"38 passed, 1 failed");
    }
}
