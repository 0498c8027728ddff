//! Sweep parameters: named knobs a study varies on a loaded scenario.
//!
//! A sweep loads each base scenario once, then for every point clones it and sets the point's
//! parameters here. Names are stable (they appear in sweep YAML and reports).

use engine::policy::interpretation::{
    AuthenticationLock, DnsSuffixScope, DontDisplayLastUserName, RepeatedElements,
    RssiDeltaReference,
};
use engine::policy::rules::{Rule, RuleSet, Signal};
use engine::time::SimDuration;
use serde::{Deserialize, Serialize};

use crate::model::Scenario;

/// The value of one swept parameter, as a sweep file writes it and a sweep report shows it.
/// Untagged on the wire: `-10`, `3.5` or `peak_rssi`.
#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// An integer, e.g. `rssi_min: -10`.
    Int(i64),
    /// A number, e.g. `carry_loss_db: 3.5`.
    Float(f64),
    /// A name, e.g. `rssi_delta_reference: peak_rssi`.
    Text(String),
}

impl ParamValue {
    /// The value as a number (integers widened), or `None` for a name.
    fn number(&self) -> Option<f64> {
        match self {
            ParamValue::Int(n) => Some(*n as f64),
            ParamValue::Float(x) => Some(*x),
            ParamValue::Text(_) => None,
        }
    }

    /// The value for an error message: "the number -10", "the name `peak`". An integer is shown
    /// as the number it is used as.
    fn described(&self) -> String {
        match self {
            ParamValue::Int(n) => format!("the number {}", *n as f64),
            ParamValue::Float(x) => format!("the number {x}"),
            ParamValue::Text(t) => format!("the name `{t}`"),
        }
    }
}

/// Every parameter name [`Scenario::set_parameter`] knows.
pub const PARAMETERS: [&str; 11] = [
    "rssi_min",
    "rssi_max_delta",
    "idle_min_s",
    "lock_delay_s",
    "poll_interval_min_s",
    "poll_interval_max_s",
    "rssi_delta_reference",
    "authentication_lock",
    "repeated_elements",
    "dns_suffix_scope",
    "dont_display_last_user_name",
];

/// Largest magnitude accepted for an RSSI threshold (dB).
const RSSI_DB_ABS_MAX: f64 = 128.0;
/// Longest timing a parameter may set, in seconds (one day).
const TIMING_S_MAX: f64 = 86_400.0;

fn for_each_bluetooth_signal(
    rules: &mut RuleSet,
    mut f: impl FnMut(&mut engine::policy::BluetoothSignal),
) {
    for rule in &mut rules.rules {
        let signals: &mut [Signal] = match rule {
            Rule::Signal(signal) => std::slice::from_mut(signal),
            Rule::And(signals) => signals,
        };
        for signal in signals {
            if let Signal::Bluetooth(bluetooth) = signal {
                f(bluetooth);
            }
        }
    }
}

impl Scenario {
    /// Sets parameter `name` to `value` on this scenario: RSSI thresholds on every bluetooth
    /// signal of every PC's policy, Windows timings, or an interpretation.
    pub fn set_parameter(&mut self, name: &str, value: &ParamValue) -> Result<(), String> {
        let interpretations = &mut self.interpretations;
        match name {
            "rssi_min" | "rssi_max_delta" => self.set_rssi_threshold(name, number(name, value)?)?,
            "idle_min_s" => self.calibration.idle_min = seconds(name, number(name, value)?)?,
            "lock_delay_s" => self.calibration.lock_delay = seconds(name, number(name, value)?)?,
            "poll_interval_min_s" | "poll_interval_max_s" => {
                self.set_poll_interval(name, seconds(name, number(name, value)?)?)?
            }
            "rssi_delta_reference" => {
                interpretations.rssi_delta_reference =
                    named(name, value, &RssiDeltaReference::ALL, |v| v.name())?
            }
            "authentication_lock" => {
                interpretations.authentication_lock =
                    named(name, value, &AuthenticationLock::ALL, |v| v.name())?
            }
            "repeated_elements" => {
                interpretations.repeated_elements =
                    named(name, value, &RepeatedElements::ALL, |v| v.name())?
            }
            "dns_suffix_scope" => {
                interpretations.dns_suffix_scope =
                    named(name, value, &DnsSuffixScope::ALL, |v| v.name())?
            }
            "dont_display_last_user_name" => {
                interpretations.dont_display_last_user_name =
                    named(name, value, &DontDisplayLastUserName::ALL, |v| v.name())?
            }
            other => {
                return Err(format!(
                    "unknown sweep parameter `{other}`: {}",
                    engine::diagnostic::suggest::did_you_mean(other, &PARAMETERS)
                ));
            }
        }
        Ok(())
    }

    /// Sets `rssi_min` or `rssi_max_delta` (`name`) on every bluetooth signal of every PC's
    /// Dynamic Lock and unlock rules; `n` must be a whole number of dB.
    fn set_rssi_threshold(&mut self, name: &str, n: f64) -> Result<(), String> {
        if n.fract() != 0.0 || n.abs() > RSSI_DB_ABS_MAX {
            return Err(format!(
                "parameter `{name}` must be a whole number of dB within \
                ±{RSSI_DB_ABS_MAX}, not {n}"
            ));
        }
        let db = n as i32;
        for pc in &mut self.pcs {
            let Some(policy) = &mut pc.policy else { continue };
            let mut rule_sets: Vec<&mut RuleSet> = Vec::new();
            if let Some(dynamic_lock) = &mut policy.dynamic_lock {
                rule_sets.push(&mut dynamic_lock.rules);
            }
            if let Some(rules) = policy.device_unlock.as_mut().and_then(|d| d.signal_rules.as_mut())
            {
                rule_sets.push(rules);
            }
            for rules in rule_sets {
                for_each_bluetooth_signal(rules, |signal| {
                    if name == "rssi_min" {
                        signal.rssi_min = Some(db);
                    } else {
                        signal.rssi_max_delta = Some(db);
                    }
                });
            }
        }
        Ok(())
    }

    /// Sets `poll_interval_min_s` or `poll_interval_max_s` (`name`), moving the other bound so
    /// that min <= max still holds.
    fn set_poll_interval(&mut self, name: &str, duration: SimDuration) -> Result<(), String> {
        if duration == SimDuration::ZERO {
            return Err(format!("parameter `{name}` must be more than 0 seconds"));
        }
        let calibration = &mut self.calibration;
        if name == "poll_interval_min_s" {
            calibration.poll_interval_min = duration;
            calibration.poll_interval_max = calibration.poll_interval_max.max(duration);
        } else {
            calibration.poll_interval_max = duration;
            calibration.poll_interval_min = calibration.poll_interval_min.min(duration);
        }
        Ok(())
    }
}

/// The finite number parameter `name` needs.
fn number(name: &str, value: &ParamValue) -> Result<f64, String> {
    match value.number() {
        Some(n) if n.is_finite() => Ok(n),
        _ => Err(format!("parameter `{name}` needs a number, not {}", value.described())),
    }
}

/// Seconds as a duration, within 0 to `TIMING_S_MAX`.
fn seconds(name: &str, n: f64) -> Result<SimDuration, String> {
    if (0.0..=TIMING_S_MAX).contains(&n) {
        Ok(SimDuration::from_us((n * 1e6).round() as u64))
    } else {
        Err(format!("parameter `{name}` must be 0 to {TIMING_S_MAX} seconds, not {n}"))
    }
}

/// The value of `all` whose name is the text `value`.
fn named<T: Copy>(
    name: &str,
    value: &ParamValue,
    all: &[T],
    name_of: impl Fn(T) -> &'static str,
) -> Result<T, String> {
    let ParamValue::Text(text) = value else {
        return Err(format!("parameter `{name}` needs a name, not {}", value.described()));
    };
    all.iter()
        .copied()
        .find(|v| name_of(*v) == text)
        .ok_or_else(|| format!("`{text}` is not a value of `{name}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn scenario() -> Scenario {
        let text = r#"
name: t
duration: 1m
world:
  pcs:
    desk: {position: [0, 0]}
  users:
    ana: {position: [0.6, 0]}
windows:
  desk: {user: ana, policy_file: p.yaml}
"#;
        let policy = r#"
dynamic_lock:
  enabled: true
  signal_rules: '<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Dynamic Lock" classOfDevice="512" rssiMin="-10" rssiMaxDelta="-10"/></rule>'
"#;
        let mut read = |_: &str| Ok(policy.to_string());
        crate::load_scenario("t.yaml", text, &mut read).expect("valid")
    }

    fn thresholds(scenario: &Scenario) -> (i32, i32) {
        let rules = &scenario.pcs[0].policy.as_ref().unwrap().dynamic_lock.as_ref().unwrap().rules;
        let signal = rules.bluetooth_signals().next().unwrap();
        (signal.rssi_min(), signal.rssi_max_delta())
    }

    #[test]
    fn thresholds_reach_every_bluetooth_signal() {
        let mut s = scenario();
        s.set_parameter("rssi_min", &ParamValue::Int(-5)).unwrap();
        s.set_parameter("rssi_max_delta", &ParamValue::Int(-15)).unwrap();
        assert_eq!(thresholds(&s), (-5, -15));
    }

    #[rstest]
    #[case("rssi_min", ParamValue::Float(-5.5), "must be a whole number of dB")]
    #[case("rssi_min", ParamValue::Text("low".into()), "needs a number")]
    #[case("idle_min_s", ParamValue::Int(-1), "must be 0 to 86400 seconds")]
    #[case("rssi_delta_reference", ParamValue::Text("peak".into()), "`peak` is not a value")]
    #[case("rssi_minimum", ParamValue::Float(1.0), "did you mean `rssi_min`")]
    fn bad_parameters_are_explained(
        #[case] name: &str,
        #[case] value: ParamValue,
        #[case] message: &str,
    ) {
        let error = scenario().set_parameter(name, &value).unwrap_err();
        assert!(error.contains(message), "{error}");
    }

    #[test]
    fn interpretations_and_timings() {
        let mut s = scenario();
        s.set_parameter("rssi_delta_reference", &ParamValue::Text("peak_rssi".into())).unwrap();
        s.set_parameter("idle_min_s", &ParamValue::Int(60)).unwrap();
        assert_eq!(s.interpretations.rssi_delta_reference, RssiDeltaReference::PeakRssi);
        assert_eq!(s.calibration.idle_min, SimDuration::from_s(60));
    }
}
