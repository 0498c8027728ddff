//! The workbench's controls: which sweepable parameters (`Scenario::set_parameter`) the page
//! offers, with their ranges, and each one's value in a scenario.
//!
//! The table may name parameters this build's `set_parameter` does not know yet; a control is
//! offered for a scenario only when `set_parameter` accepts its starting value there
//! ([`controls_for`]), so the page never shows a knob the simulator would refuse.

use engine::policy::interpretation::{
    AuthenticationLock, DnsSuffixScope, DontDisplayLastUserName, RepeatedElements,
    RssiDeltaReference,
};
use engine::policy::rules::{Rule, Signal};
use scenarios::Scenario;
use scenarios::params::ParamValue;
use serde::Serialize;
use sim_devices::propagation::{CARRY_POSITIONS, Carry, ENVIRONMENT_NAMES};

/// How a control is set.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Input {
    /// A slider over `min..=max` in steps of `step`, in `unit`.
    Number { min: f64, max: f64, step: f64, unit: &'static str },
    /// One of `options`.
    Choice { options: Vec<&'static str> },
}

/// One control: a parameter name, a label for people, how it is set, and its value in the
/// scenario (the slider's start; `None` when the scenario does not say).
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    pub name: &'static str,
    pub label: &'static str,
    /// `setting` (an administrator sets it) or `robustness` (an interpretation or calibration
    /// value nobody sets: the page groups them apart).
    pub group: &'static str,
    #[serde(flatten)]
    pub input: Input,
    pub value: ParamValue,
}

/// An RSSI threshold slider, dB. Range: Windows accepts any integer; -40..0 covers every
/// documented example (Microsoft Learn "Configure Dynamic Lock": -10, -15, -20) with margin
/// (unknown; chosen, range -128..127 accepted by `set_parameter`).
fn rssi(name: &'static str, label: &'static str) -> Control {
    let input = Input::Number { min: -40.0, max: 0.0, step: 1.0, unit: "dB" };
    Control { name, label, group: "setting", input, value: ParamValue::Int(-10) }
}

/// A timing slider in seconds over `min..=max` (calibration values of design 3.4; the ranges
/// are chosen around Windows' defaults, unknown; chosen).
fn seconds(name: &'static str, label: &'static str, max: f64) -> Control {
    let input = Input::Number { min: 1.0, max, step: 1.0, unit: "s" };
    Control { name, label, group: "robustness", input, value: ParamValue::Int(30) }
}

fn choice(name: &'static str, label: &'static str, options: Vec<&'static str>) -> Control {
    let value = ParamValue::Text(options[0].to_string());
    Control { name, label, group: "robustness", input: Input::Choice { options }, value }
}

/// Reads a control's value from a scenario.
type ReadValue = fn(&Scenario) -> Option<ParamValue>;

/// Every control the page may offer, in page order, before [`controls_for`] fills in a
/// scenario's values and drops the ones it does not take.
fn table() -> Vec<(Control, ReadValue)> {
    let lock_min = rssi("dynamic_lock_rssi_min", "Dynamic Lock rssiMin");
    let lock_delta = rssi("dynamic_lock_rssi_max_delta", "Dynamic Lock rssiMaxDelta");
    let unlock_min = rssi("unlock_rssi_min", "Unlock rule (Authentication) rssiMin");
    let unlock_delta = rssi("unlock_rssi_max_delta", "Unlock rule (Authentication) rssiMaxDelta");
    vec![
        (lock_min, |s| first_signal(s, Setting::DynamicLock, true).map(int)),
        (lock_delta, |s| first_signal(s, Setting::DynamicLock, false).map(int)),
        (unlock_min, |s| first_signal(s, Setting::Unlock, true).map(int)),
        (unlock_delta, |s| first_signal(s, Setting::Unlock, false).map(int)),
        (
            choice(
                "carry",
                "Condition: where the phone is carried",
                CARRY_POSITIONS.iter().map(|c| c.name()).collect(),
            ),
            |s| {
                let phone = s.world.phones.values().next()?;
                match &phone.carry {
                    Carry::Position(position) => Some(ParamValue::Text(position.name().into())),
                    Carry::Custom(_) => None,
                }
            },
        ),
        (
            choice(
                "environment",
                "Condition: propagation environment preset",
                ENVIRONMENT_NAMES.iter().map(|(name, _)| *name).collect(),
            ),
            |s| Some(ParamValue::Text(s.world.environment.preset.clone())),
        ),
        (radio_unknown("grpr_lower_dbm", "Unknown: GRPR lower limit", -84.0, -56.0, "dBm"), |s| {
            calibration_value(s, "grpr_lower_dbm")
        }),
        (
            radio_unknown("tx_power_dbm_max", "Unknown: phone maximum power", 0.0, 20.0, "dBm"),
            |s| calibration_value(s, "tx_power_dbm_max"),
        ),
        (
            radio_unknown(
                "coexistence_loss_db",
                "Unknown: Wi-Fi coexistence loss",
                0.0,
                10.0,
                "dB",
            ),
            |s| calibration_value(s, "coexistence_loss_db"),
        ),
        (seconds("lock_delay_s", "Dynamic Lock delay after absence", 120.0), |s| {
            Some(ParamValue::Int(s.calibration.lock_delay.as_s_f64().round() as i64))
        }),
        (seconds("idle_min_s", "Idle time before Dynamic Lock may lock", 120.0), |s| {
            Some(ParamValue::Int(s.calibration.idle_min.as_s_f64().round() as i64))
        }),
        (seconds("poll_interval_min_s", "Bluetooth poll interval, shortest", 60.0), |s| {
            Some(ParamValue::Int(s.calibration.poll_interval_min.as_s_f64().round() as i64))
        }),
        (seconds("poll_interval_max_s", "Bluetooth poll interval, longest", 60.0), |s| {
            Some(ParamValue::Int(s.calibration.poll_interval_max.as_s_f64().round() as i64))
        }),
        (
            choice(
                "rssi_delta_reference",
                "Interpretation: what rssiMaxDelta is measured from",
                RssiDeltaReference::ALL.iter().map(|v| v.name()).collect(),
            ),
            |s| Some(ParamValue::Text(s.interpretations.rssi_delta_reference.name().into())),
        ),
        (
            choice(
                "authentication_lock",
                "Interpretation: the unlock rule also locks",
                AuthenticationLock::ALL.iter().map(|v| v.name()).collect(),
            ),
            |s| Some(ParamValue::Text(s.interpretations.authentication_lock.name().into())),
        ),
        (
            choice(
                "repeated_elements",
                "Interpretation: repeated rule elements",
                RepeatedElements::ALL.iter().map(|v| v.name()).collect(),
            ),
            |s| Some(ParamValue::Text(s.interpretations.repeated_elements.name().into())),
        ),
        (
            choice(
                "dns_suffix_scope",
                "Interpretation: DNS suffix scope",
                DnsSuffixScope::ALL.iter().map(|v| v.name()).collect(),
            ),
            |s| Some(ParamValue::Text(s.interpretations.dns_suffix_scope.name().into())),
        ),
        (
            choice(
                "dont_display_last_user_name",
                "Interpretation: DontDisplayLastUserName",
                DontDisplayLastUserName::ALL.iter().map(|v| v.name()).collect(),
            ),
            |s| {
                let value = s.interpretations.dont_display_last_user_name;
                Some(ParamValue::Text(value.name().into()))
            },
        ),
    ]
}

/// Which rule a threshold control reads.
#[derive(Clone, Copy)]
enum Setting {
    DynamicLock,
    Unlock,
}

/// The scenario's value of calibration key `name` (its default when unset).
fn calibration_value(scenario: &Scenario, name: &str) -> Option<ParamValue> {
    let key = scenarios::calibration::calibration_key(name)?;
    Some(ParamValue::Float(scenario.calibration.value(key)))
}

fn int(value: f64) -> ParamValue {
    ParamValue::Int(value as i64)
}

/// A calibration unknown's slider over its documented range (`docs/model.md`, "Unknowns").
fn radio_unknown(
    name: &'static str,
    label: &'static str,
    min: f64,
    max: f64,
    unit: &'static str,
) -> Control {
    let input = Input::Number { min, max, step: 1.0, unit };
    Control { name, label, group: "robustness", input, value: ParamValue::Float(min) }
}

/// The `rssiMin` (`min`) or `rssiMaxDelta` of the first Bluetooth signal of the first PC's
/// Dynamic Lock rule or unlock (Authentication) rule, dB.
fn first_signal(scenario: &Scenario, setting: Setting, min: bool) -> Option<f64> {
    let policy = scenario.pcs.iter().find_map(|pc| pc.policy.as_ref())?;
    let rules = match setting {
        Setting::DynamicLock => policy.dynamic_lock.as_ref().map(|d| &d.rules),
        Setting::Unlock => policy.device_unlock.as_ref().and_then(|d| d.signal_rules.as_ref()),
    };
    rules
        .into_iter()
        .flat_map(|r| &r.rules)
        .flat_map(|rule| match rule {
            Rule::Signal(signal) => std::slice::from_ref(signal),
            Rule::And(signals) => signals.as_slice(),
        })
        .find_map(|signal| match signal {
            Signal::Bluetooth(b) => {
                let value = if min { b.rssi_min } else { b.rssi_max_delta };
                // Windows' default when the attribute is absent (Microsoft Learn, "Configure
                // Dynamic Lock": rssiMin -10, rssiMaxDelta -10).
                Some(f64::from(value.unwrap_or(-10)))
            }
            _ => None,
        })
}

/// The controls `scenario` takes, with its own values: each one `set_parameter` accepts, and a
/// rule threshold only for a rule the scenario's policy has.
pub fn controls_for(scenario: &Scenario) -> Vec<Control> {
    let mut trial = scenario.clone();
    table()
        .into_iter()
        .filter_map(|(mut control, read)| {
            match read(scenario) {
                Some(value) => control.value = value,
                // A rule threshold of a rule the scenario does not have moves nothing.
                None if control.group == "setting" => return None,
                None => {}
            }
            trial.set_parameter(control.name, &control.value).ok()?;
            Some(control)
        })
        .collect()
}
