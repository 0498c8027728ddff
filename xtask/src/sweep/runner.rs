//! The real simulation of one sweep run: the one place that connects sweeps to the scenario
//! runner.
//!
//! The scenario runner lives in the `scenarios` crate on `main`. To plug it in, replace the body
//! of [`scenario_runner`]: load and validate every base scenario once (here, not per run), and
//! return a closure that applies the point's parameters to a copy of the scenario, runs it with
//! the seed, and computes [`RunMetrics::from_trace`] with the plan's [`MetricOptions`].

use reports::metrics::{MetricOptions, RunMetrics};

use super::exec::{RunOnePoint, RunRequest};
use super::spec::Plan;

/// Builds the runner of a plan's runs: parses the plan's scenarios once and returns the function
/// that simulates one run.
pub fn scenario_runner(plan: &Plan) -> Result<impl RunOnePoint + use<>, String> {
    let options: MetricOptions = plan.options;
    let mut texts = Vec::with_capacity(plan.scenarios.len());
    for scenario in &plan.scenarios {
        let text = std::fs::read_to_string(&scenario.path)
            .map_err(|e| format!("{}: {e}", scenario.path.display()))?;
        texts.push(text);
    }
    Ok(move |request: &RunRequest<'_>| -> Result<RunMetrics, String> {
        let _ = (&texts[request.scenario_index], &options);
        Err(format!(
            "scenario `{}`, point {}, seed {}: the scenario runner is not linked into this build of xtask (see xtask/src/sweep/runner.rs)",
            request.scenario.name, request.params.index, request.seed
        ))
    })
}
