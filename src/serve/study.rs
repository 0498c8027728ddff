//! "Save as study": a sweep study (`cargo xtask sweep` YAML, `docs/sweep.md`) around the page's
//! current point. Settings are swept one step either side of their current value; every other
//! value the page moved stays fixed at it. Nothing is written on the server: the page downloads
//! the text.

use scenarios::params::{ParamKind, ParamValue, parameter};

use super::Served;

/// The step a study sweeps each RSSI setting by, either side of the current value, dB (the
/// bundled studies' step).
pub const STUDY_RSSI_STEP_DB: i64 = 5;

/// The RSSI range the page's sliders cover, dB: a swept value stays inside it.
const RSSI_DB_RANGE: [i64; 2] = [-40, 0];

/// The seeds a saved study runs per point (the bundled default study's).
const STUDY_SEEDS: u32 = 20;

/// The study text for scenario `name` (served as `served`) at the point `set`: its settings
/// (from `set`, else the scenario's own value) swept one step either side, and each other value
/// of `set` fixed.
pub fn study_yaml(
    name: &str,
    served: &Served,
    set: &std::collections::BTreeMap<String, ParamValue>,
) -> String {
    let mut text = format!(
        "# A sweep study around a workbench point of `{}` (unlocksim serve, \"Save as study\").\n\
         # Save it in the repository root (the scenario path below is relative to it) and run:\n\
         #   cargo xtask sweep workbench-{name}.yaml\n\
         # Each setting is swept {STUDY_RSSI_STEP_DB} dB either side of the point; the other \
         values the page moved stay fixed.\n\
         # Criteria and objective are the defaults (docs/sweep.md).\n\
         name: workbench-{name}\nscenarios:\n  - {}\ncombine: cartesian\nparameters:\n",
        served.scenario.name.replace('`', "'"),
        served.scenario.file
    );
    for control in &served.controls {
        let is_setting = parameter(control.name).is_some_and(|p| p.kind == ParamKind::Setting);
        let value = set.get(control.name).unwrap_or(&control.value);
        let values = match (is_setting, value) {
            (true, ParamValue::Int(v)) => around(*v),
            _ if set.contains_key(control.name) => vec![yaml_scalar(value)],
            _ => continue,
        };
        text += &format!("  - name: {}\n    values: [{}]\n", control.name, values.join(", "));
    }
    text + &format!("seeds: {STUDY_SEEDS}\n")
}

/// `v - step, v, v + step`, inside [`RSSI_DB_RANGE`], without repeats.
fn around(v: i64) -> Vec<String> {
    let mut values: Vec<i64> = [v - STUDY_RSSI_STEP_DB, v, v + STUDY_RSSI_STEP_DB]
        .into_iter()
        .map(|x| x.clamp(RSSI_DB_RANGE[0], RSSI_DB_RANGE[1]))
        .collect();
    values.dedup();
    values.iter().map(i64::to_string).collect()
}

/// A value as a YAML flow scalar: numbers as written, names as plain words (parameter names
/// and their values are letters, digits and `_`).
fn yaml_scalar(value: &ParamValue) -> String {
    match value {
        ParamValue::Int(v) => v.to_string(),
        ParamValue::Float(x) => format!("{x}"),
        ParamValue::Text(t) => {
            t.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_swept_one_step_either_side_inside_the_slider_range() {
        assert_eq!(around(-10), ["-15", "-10", "-5"]);
        assert_eq!(around(0), ["-5", "0"]);
        assert_eq!(around(-40), ["-40", "-35"]);
    }
}
