//! JUnit XML for a regression suite, read by every CI system: one test case per expectation
//! (class name = scenario, name = expectation), with the seeds and the repro command of a
//! failure in the case's properties.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::summary::{ScenarioReport, repro_command, seed_ranges, seed_span_text};

/// One test case of a JUnit report: one expectation of one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JunitCase {
    /// The expectation, as the summary describes it (the test case's name).
    pub name: String,
    /// The scenario's name (the test case's class name).
    pub scenario: String,
    /// The scenario file, relative to where the suite was run.
    pub file: String,
    /// Whether the expectation held (under every interpretation that ran).
    pub passed: bool,
    /// Wall-clock time of the scenario shared evenly between its cases.
    pub duration: Duration,
    /// Why it failed, empty when it passed.
    pub failure_detail: String,
    /// `(name, value)` pairs: `file`, `seeds`, and for a failure `failed_seeds`, `seed` (the
    /// first failing one) and `repro`.
    pub properties: Vec<(String, String)>,
}

/// Name of the one case of a scenario without expectations (it passes when every run ran).
const NO_EXPECTATION_CASE: &str = "every run completes";

/// The test cases of one judged scenario: one per expectation, failed when it failed under
/// any interpretation that ran; `elapsed` is the scenario's wall-clock time. The repro lines
/// name `program_version`.
pub fn scenario_cases(
    report: &ScenarioReport<'_>,
    elapsed: Duration,
    program_version: &str,
) -> Vec<JunitCase> {
    let scenario = report.scenario;
    let Some(primary) = report.outcomes.first() else { return Vec::new() };
    let count = u32::try_from(primary.expectations.len().max(1)).unwrap_or(u32::MAX);
    let base = |name: String| JunitCase {
        name,
        scenario: scenario.name.clone(),
        file: scenario.file.clone(),
        passed: true,
        duration: elapsed / count,
        failure_detail: String::new(),
        properties: vec![
            ("file".into(), scenario.file.clone()),
            ("seeds".into(), seed_span_text(primary.first_seed, primary.runs_count)),
        ],
    };
    if primary.expectations.is_empty() {
        return vec![base(NO_EXPECTATION_CASE.into())];
    }
    let several = report.outcomes.len() > 1;
    (0..primary.expectations.len())
        .map(|index| {
            let mut case = base(primary.expectations[index].description.clone());
            let mut failed_seeds = Vec::new();
            let mut details = Vec::new();
            // The interpretations of the first combination where it failed, for the repro.
            let mut settings = None;
            for outcome in report.outcomes {
                let Some(result) = outcome.expectations.get(index).filter(|e| !e.passed) else {
                    continue;
                };
                let under = if several {
                    format!(" (under {})", outcome.interpretations.label())
                } else {
                    String::new()
                };
                let header = if result.failed_runs.is_empty() {
                    result.detail.clone()
                } else {
                    let (failed, runs) = (result.failed_runs_count(), outcome.runs_count);
                    format!("{failed} of {runs} runs failed")
                };
                details.push(format!("{header}{under}"));
                settings.get_or_insert_with(|| {
                    crate::summary::interpretation_flags(&scenario.interpretations, outcome)
                });
                failed_seeds.extend(result.failed_runs.iter().map(|r| r.seed));
                failed_seeds.extend(result.failed_seed);
                for run in &result.failed_runs {
                    details.push(format!("  seed {}: {}", run.seed, run.detail));
                }
            }
            if let Some(&first) = failed_seeds.first() {
                let command = repro_command(&scenario.file, first, Some(1), None);
                let settings = settings.unwrap_or_default();
                let overrides = &scenario.repro_flags;
                let repro =
                    format!("{command}{settings}{overrides}   # unlocksim {program_version}");
                case.properties.push(("failed_seeds".into(), seed_ranges(&failed_seeds)));
                case.properties.push(("seed".into(), first.to_string()));
                case.properties.push(("repro".into(), repro));
            }
            case.passed = details.is_empty();
            case.failure_detail = details.join("\n");
            case
        })
        .collect()
}

/// The JUnit XML text of a suite named `suite_name`.
pub fn junit_xml(suite_name: &str, cases: &[JunitCase]) -> String {
    let mut suite = TestSuite::new(suite_name);
    let mut total = Duration::ZERO;
    for outcome in cases {
        let status = if outcome.passed {
            TestCaseStatus::success()
        } else {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let message = outcome.failure_detail.lines().next().unwrap_or("expectation failed");
            status.set_message(message).set_description(outcome.failure_detail.as_str());
            status
        };
        let mut case = TestCase::new(outcome.name.as_str(), status);
        case.set_classname(outcome.scenario.as_str()).set_time(outcome.duration);
        for (name, value) in &outcome.properties {
            case.properties.push(Property::new(name.as_str(), value.as_str()));
        }
        suite.add_test_case(case);
        total += outcome.duration;
    }
    suite.set_time(total);
    let mut report = Report::new("unlocksim");
    report.set_time(total).add_test_suite(suite);
    // Serialising owned strings into memory cannot fail.
    report.to_string().expect("JUnit report serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(name: &str, scenario: &str, passed: bool, detail: &str) -> JunitCase {
        let mut properties = vec![("file".into(), "suite/walk.yaml".into())];
        if !passed {
            properties.push(("seed".into(), "3".into()));
            properties.push(("repro".into(), "unlocksim run suite/walk.yaml --seed 3".into()));
        }
        JunitCase {
            name: name.into(),
            scenario: scenario.into(),
            file: "suite/walk.yaml".into(),
            passed,
            duration: Duration::from_millis(60),
            failure_detail: detail.into(),
            properties,
        }
    }

    #[test]
    fn one_case_per_expectation_with_failures_described() {
        let cases = [
            case("desk never locks between 0s and 2m", "walk away", true, ""),
            case(
                "desk locks <quickly>",
                "walk away",
                false,
                "seed 3: no lock at all\n  seed 3: no lock at all",
            ),
        ];
        insta::assert_snapshot!(junit_xml("suite", &cases));
    }
}
