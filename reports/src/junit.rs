//! JUnit XML for a regression suite: one test case per scenario, read by every CI system.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

/// One test case of a JUnit report: the outcome of one scenario of a suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JunitCase {
    /// The scenario's name.
    pub name: String,
    /// The scenario file, relative to where the suite was run (the test case's class name).
    pub file: String,
    /// Whether every expectation held.
    pub passed: bool,
    /// Wall-clock time the scenario took.
    pub duration: Duration,
    /// Why it failed (every failed expectation), empty when it passed.
    pub failure_detail: String,
}

/// The JUnit XML text of a suite named `suite_name`.
pub fn junit_xml(suite_name: &str, outcomes: &[JunitCase]) -> String {
    let mut suite = TestSuite::new(suite_name);
    let mut total = Duration::ZERO;
    for outcome in outcomes {
        let status = if outcome.passed {
            TestCaseStatus::success()
        } else {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let message = outcome.failure_detail.lines().next().unwrap_or("expectation failed");
            status.set_message(message).set_description(outcome.failure_detail.as_str());
            status
        };
        let mut case = TestCase::new(outcome.name.as_str(), status);
        case.set_classname(outcome.file.as_str()).set_time(outcome.duration);
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

    #[test]
    fn one_case_per_scenario_with_failures_described() {
        let outcomes = [
            JunitCase {
                name: "walk away locks".into(),
                file: "suite/walk.yaml".into(),
                passed: true,
                duration: Duration::from_millis(120),
                failure_detail: String::new(),
            },
            JunitCase {
                name: "seated <never> locks".into(),
                file: "suite/seated.yaml".into(),
                passed: false,
                duration: Duration::from_millis(80),
                failure_detail: "locked at t=5m: expected never\nsecond line".into(),
            },
        ];
        insta::assert_snapshot!(junit_xml("suite", &outcomes));
    }
}
