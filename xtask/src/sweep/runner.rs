//! The real simulation of one sweep run: the one place that connects sweeps to the scenario
//! runner.
//!
//! Every base scenario is read and validated once per sweep (here), not once per run. A run
//! clones its scenario, applies the point's parameters ([`scenarios::params`]), runs it with the
//! seed, and reduces the trace to [`RunMetrics`].

use reports::metrics::{MetricOptions, RunMetrics};
use reports::recommend::{Paste, paste};
use scenarios::Scenario;
use scenarios::params::ParamValue;

use std::collections::BTreeSet;
use std::path::Path;

use super::exec::{RunOnePoint, RunRequest, scenario_path, scenario_shown};
use super::spec::{Plan, SweepSpec, read_text};

/// Builds the runner of a plan's runs: parses the plan's scenarios once, checks that every
/// scenario takes every value of every parameter, and returns the function that simulates one
/// run. `spec` (the sweep file the plan came from) only locates errors: a misspelt or
/// out-of-range parameter is reported at its line in the sweep file before anything runs or is
/// written, not as a thousand failed runs.
pub fn scenario_runner(plan: &Plan, spec: &SweepSpec) -> Result<impl RunOnePoint + use<>, String> {
    let options: MetricOptions = plan.options;
    let mut loaded: Vec<Scenario> = Vec::with_capacity(plan.scenarios.len());
    for reference in &plan.scenarios {
        let scenario = load(&reference.path)?;
        check_parameters(plan, spec, &reference.name, &scenario)?;
        loaded.push(scenario);
    }
    Ok(move |request: &RunRequest<'_>| -> Result<RunMetrics, String> {
        let scenario = loaded[request.scenario_index].with_parameters(&request.params.values)?;
        let interpretations = scenario.interpretations;
        // Metrics never read polls: the run keeps none, so its memory does not grow with them.
        let output =
            scenarios::runner::run_once_with(&scenario, request.seed, &interpretations, true, None)
                .map_err(|failure| {
                    format!("{}: seed {}: {failure}", request.scenario.name, request.seed)
                })?;
        let run_end = engine::SimTime::ZERO.saturating_add(scenario.duration);
        Ok(RunMetrics::from_trace(&output.trace, run_end, &options))
    })
}

/// Reads and validates the scenario at `path`; diagnostics name it by its path from here, not
/// as the sweep file wrote it.
pub fn load(path: &Path) -> Result<Scenario, String> {
    let text = read_text(path)?;
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut read_file = |relative: &str| read_text(&folder.join(relative));
    let shown = path.display().to_string();
    scenarios::load_scenario(&shown, &text, &mut read_file)
        .map_err(|diagnostics| engine::diagnostic::render_all(&diagnostics))
}

/// The paste-ready rules of `setting` applied to the plan's first base scenario, named by its
/// path from the repository root.
pub fn paste_for(plan: &Plan, setting: &[(String, ParamValue)]) -> Result<Paste, String> {
    let path = scenario_path(plan, 0);
    let mut scenario = load(&path)?;
    scenario.file = scenario_shown(plan, 0);
    paste(&scenario, setting)
}

/// Tries every value every point gives each parameter on a copy of `scenario`. Parameters are
/// judged one value at a time (that is what `set_parameter` checks), so each distinct value is
/// set once; the scan over the points costs little next to running them.
fn check_parameters(
    plan: &Plan,
    spec: &SweepSpec,
    scenario_name: &str,
    scenario: &Scenario,
) -> Result<(), String> {
    let mut trial = scenario.clone();
    let mut tried: BTreeSet<(&str, String)> = BTreeSet::new();
    for point in &plan.points {
        for (name, value) in &point.values {
            if !tried.insert((name, format!("{value:?}"))) {
                continue;
            }
            if let Err(error) = trial.set_parameter(name, value) {
                let at = spec.parameter_position(&plan.file, name).unwrap_or(plan.file.clone());
                return Err(format!("{at}: {error} (in scenario {scenario_name})"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::sweep::spec::load_plan;

    /// Every bundled study loads, every value fits its scenarios, and its first point's setting
    /// gives both rules ready to paste.
    #[rstest]
    #[case("default.yaml")]
    #[case("robust.yaml")]
    #[case("ci-slurm.yaml")]
    fn bundled_studies_load_and_paste(#[case] file: &str) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies").join(file);
        let (spec, plan) = load_plan(&path).unwrap();
        assert!(scenario_runner(&plan, &spec).is_ok(), "{file}");
        let setting: Vec<(String, ParamValue)> = plan.points[0]
            .values
            .iter()
            .filter(|(n, _)| scenarios::params::kind_of(n).is_setting())
            .cloned()
            .collect();
        let paste = paste_for(&plan, &setting).unwrap();
        let labels: Vec<&str> = paste.rules.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["Dynamic Lock", "Authentication"]);
        assert_eq!(paste.source, "xtask/studies/walk-away.yaml (PC desk)");
        assert!(paste.rules[0].1.contains("rssiMin=\"-20\"") || file != "default.yaml");
    }
}
