//! The real simulation of one sweep run: the one place that connects sweeps to the scenario
//! runner.
//!
//! Every base scenario is read and validated once per sweep (here), not once per run. A run
//! clones its scenario, applies the point's parameters ([`scenarios::params`]), runs it with the
//! seed, and reduces the trace to [`RunMetrics`].

use reports::metrics::{MetricOptions, RunMetrics};
use reports::sweep::ParamValue;
use scenarios::Scenario;
use scenarios::params::ParameterValue;

use super::exec::{RunOnePoint, RunRequest};
use super::spec::Plan;

/// Builds the runner of a plan's runs: parses the plan's scenarios once and returns the function
/// that simulates one run.
pub fn scenario_runner(plan: &Plan) -> Result<impl RunOnePoint + use<>, String> {
    let options: MetricOptions = plan.options;
    let mut loaded: Vec<Scenario> = Vec::with_capacity(plan.scenarios.len());
    for reference in &plan.scenarios {
        let text = std::fs::read_to_string(&reference.path)
            .map_err(|e| format!("{}: {e}", reference.path.display()))?;
        let folder = reference.path.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        let mut read_file = |relative: &str| {
            std::fs::read_to_string(folder.join(relative)).map_err(|e| e.to_string())
        };
        let scenario = scenarios::load_scenario(&reference.name, &text, &mut read_file)
            .map_err(|diagnostics| engine::diagnostic::render_all(&diagnostics))?;
        loaded.push(scenario);
    }
    Ok(move |request: &RunRequest<'_>| -> Result<RunMetrics, String> {
        let mut scenario = loaded[request.scenario_index].clone();
        for (name, value) in &request.params.values {
            let value = match value {
                ParamValue::Int(n) => ParameterValue::Number(*n as f64),
                ParamValue::Float(x) => ParameterValue::Number(*x),
                ParamValue::Text(t) => ParameterValue::Text(t.clone()),
            };
            scenario.set_parameter(name, &value)?;
        }
        let interpretations = scenario.interpretations;
        let output =
            scenarios::run_once(&scenario, request.seed, &interpretations).map_err(|failure| {
                format!("{}: seed {}: {failure}", request.scenario.name, request.seed)
            })?;
        Ok(RunMetrics::from_trace(&output.trace, &options))
    })
}
