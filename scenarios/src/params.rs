//! Sweep parameters: named knobs a study varies on a loaded scenario.
//!
//! A sweep loads each base scenario once, then for every point clones it and sets the point's
//! parameters here. Names are stable (they appear in sweep YAML and reports).

use engine::policy::interpretation::{
    AuthenticationLock, DnsSuffixScope, DontDisplayLastUserName, RepeatedElements,
    RssiDeltaReference,
};
use engine::policy::rules::{Rule, RuleSet, Signal};
use serde::{Deserialize, Serialize};

use sim_devices::mobility::Waypoint;
use sim_devices::propagation::{CARRY_POSITIONS, Carry, CarryPosition, ENVIRONMENT_NAMES};

use crate::model::{Action, Scenario};

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

/// What a swept parameter is to a policy designer.
///
/// Only a [`ParamKind::Setting`] is something an administrator configures; every other kind is a
/// *robustness dimension*: a sweep judges each setting by its worst case across the values swept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// A value of the policy an administrator sets (a rule's `rssiMin` or `rssiMaxDelta`).
    Setting,
    /// A named interpretation of Microsoft's documentation (design 3.6): nobody can set it.
    Interpretation,
    /// A Windows or radio value nobody can set and nobody has measured for a given PC.
    Calibration,
    /// A condition of the office: where the phone is carried, the building, the walk.
    Condition,
}

impl ParamKind {
    /// Whether an administrator can set it (only settings are ever recommended).
    pub const fn is_setting(self) -> bool {
        matches!(self, ParamKind::Setting)
    }

    /// The kind's name in reports and `docs/sweep.md`: `setting`, `interpretation`, ...
    pub const fn name(self) -> &'static str {
        match self {
            ParamKind::Setting => "setting",
            ParamKind::Interpretation => "interpretation",
            ParamKind::Calibration => "calibration",
            ParamKind::Condition => "condition",
        }
    }
}

/// One sweepable parameter, as `docs/sweep.md` lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parameter {
    /// The name in sweep files, `--set` and reports (units last).
    pub name: &'static str,
    /// Setting or robustness dimension.
    pub kind: ParamKind,
}

const fn param(name: &'static str, kind: ParamKind) -> Parameter {
    Parameter { name, kind }
}

/// Every parameter [`Scenario::set_parameter`] knows, in the order `docs/sweep.md` lists them
/// (a test keeps the two equal). Meanings, units and ranges are documented there and at each
/// arm of [`Scenario::set_parameter`].
pub const PARAMETERS: [Parameter; 26] = [
    // Settings: the rule thresholds an administrator writes.
    param("dynamic_lock_rssi_min", ParamKind::Setting),
    param("dynamic_lock_rssi_max_delta", ParamKind::Setting),
    param("unlock_rssi_min", ParamKind::Setting),
    param("unlock_rssi_max_delta", ParamKind::Setting),
    param("rssi_min", ParamKind::Setting),
    param("rssi_max_delta", ParamKind::Setting),
    // Interpretations (design 3.6).
    param("rssi_delta_reference", ParamKind::Interpretation),
    param("authentication_lock", ParamKind::Interpretation),
    param("repeated_elements", ParamKind::Interpretation),
    param("dns_suffix_scope", ParamKind::Interpretation),
    param("dont_display_last_user_name", ParamKind::Interpretation),
    // Calibration: every numeric key of `calibration::CALIBRATION_KEYS` (a test keeps them
    // equal), timings with `_s` appended; set through `Calibration::set_fixed`.
    param("idle_min_s", ParamKind::Calibration),
    param("lock_delay_s", ParamKind::Calibration),
    param("poll_interval_min_s", ParamKind::Calibration),
    param("poll_interval_max_s", ParamKind::Calibration),
    param("typing_interval_s", ParamKind::Calibration),
    param("page_timeout_s", ParamKind::Calibration),
    param("supervision_timeout_s", ParamKind::Calibration),
    param("coexistence_loss_db", ParamKind::Calibration),
    param("grpr_lower_dbm", ParamKind::Calibration),
    param("grpr_width_db", ParamKind::Calibration),
    param("tx_power_dbm_max", ParamKind::Calibration),
    param("sensitivity_dbm", ParamKind::Calibration),
    // Conditions of the office.
    param("carry", ParamKind::Condition),
    param("environment", ParamKind::Condition),
    param("walk_distance_m", ParamKind::Condition),
];

/// The parameter called `name`, if there is one.
pub fn parameter(name: &str) -> Option<Parameter> {
    PARAMETERS.iter().copied().find(|p| p.name == name)
}

/// The kind of parameter `name`; an unknown name counts as a setting (it never reaches a
/// report: [`Scenario::set_parameter`] rejects it first).
pub fn kind_of(name: &str) -> ParamKind {
    parameter(name).map_or(ParamKind::Setting, |p| p.kind)
}

/// Microsoft's default of every RSSI threshold, dB: `rssiMin` -10 and `rssiMaxDelta` -10
/// (Microsoft Learn, "Configure Dynamic Lock", the `rssiMin`/`rssiMaxDelta` attributes).
pub const MICROSOFT_DEFAULT_RSSI_DB: i64 = -10;

/// Largest magnitude accepted for an RSSI threshold (dB).
const RSSI_DB_ABS_MAX: f64 = 128.0;
/// Longest poll interval a parameter may set, in seconds (one day; other timings take the
/// calibration key's own limit).
const TIMING_S_MAX: f64 = 86_400.0;
/// Farthest `walk_distance_m`: a building's length, generously (unknown; chosen, range 1..1000).
const WALK_DISTANCE_M_MAX: f64 = 1_000.0;

/// Which rules an RSSI knob writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rules {
    DynamicLock,
    Unlock,
    Both,
}

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
    /// A copy of this scenario with every `(name, value)` set in order: what a sweep runs at a
    /// point and what `unlocksim run --set` runs.
    ///
    /// # Errors
    /// The first value [`Scenario::set_parameter`] refuses.
    pub fn with_parameters(&self, params: &[(String, ParamValue)]) -> Result<Scenario, String> {
        let mut scenario = self.clone();
        for (name, value) in params {
            scenario.set_parameter(name, value)?;
        }
        Ok(scenario)
    }

    /// Sets parameter `name` to `value` on this scenario (see [`PARAMETERS`] and
    /// `docs/sweep.md`).
    ///
    /// # Errors
    /// A message for people: an unknown name (with a did-you-mean hint), a value of the wrong
    /// type or out of range, or `walk_distance_m` on a scenario without a walk.
    pub fn set_parameter(&mut self, name: &str, value: &ParamValue) -> Result<(), String> {
        if let Some((rules, min)) = rssi_target(name) {
            return self.set_rssi_threshold(name, number(name, value)?, rules, min);
        }
        match kind_of(name) {
            _ if parameter(name).is_none() => {
                let names: Vec<&str> = PARAMETERS.iter().map(|p| p.name).collect();
                Err(format!(
                    "unknown sweep parameter `{name}`: {}",
                    engine::diagnostic::suggest::did_you_mean(name, &names)
                ))
            }
            ParamKind::Interpretation => self.set_interpretation(name, value),
            ParamKind::Calibration => self.set_calibration(name, value),
            _ => self.set_condition(name, value),
        }
    }

    /// An interpretation (design 3.6) by its value's name.
    fn set_interpretation(&mut self, name: &str, value: &ParamValue) -> Result<(), String> {
        let interpretations = &mut self.interpretations;
        match name {
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
            _ => {
                interpretations.dont_display_last_user_name =
                    named(name, value, &DontDisplayLastUserName::ALL, |v| v.name())?
            }
        }
        Ok(())
    }

    /// A calibration value (`calibration::CALIBRATION_KEYS`: a timing in seconds, named with
    /// `_s` appended, or a value in dB or dBm), fixed for every run: it replaces a distribution
    /// the scenario wrote ([`crate::format::Calibration::set_fixed`], which checks the key's
    /// limits). The poll interval bounds keep min <= max by moving the other bound.
    fn set_calibration(&mut self, name: &str, value: &ParamValue) -> Result<(), String> {
        let n = number(name, value)?;
        let key = calibration_key(name);
        let calibration = &mut self.calibration;
        match name {
            "poll_interval_min_s" | "poll_interval_max_s" => {
                let low = crate::calibration::POLL_INTERVAL_S_MIN;
                if !(n >= low && n <= TIMING_S_MAX) {
                    return Err(format!(
                        "parameter `{name}` must be at least {low} and at most {TIMING_S_MAX} \
                        seconds, not {n}"
                    ));
                }
                calibration.set_fixed(key, n)?;
                let min = calibration.poll_interval_min.as_us() as f64 / 1e6;
                let max = calibration.poll_interval_max.as_us() as f64 / 1e6;
                if min > max {
                    let other = if key == "poll_interval_min" {
                        "poll_interval_max"
                    } else {
                        "poll_interval_min"
                    };
                    calibration.set_fixed(other, n)?;
                }
                Ok(())
            }
            _ => calibration.set_fixed(key, n).map_err(|e| format!("parameter `{name}`: {e}")),
        }
    }

    /// A condition: `carry`, `environment` or `walk_distance_m`.
    fn set_condition(&mut self, name: &str, value: &ParamValue) -> Result<(), String> {
        match name {
            "carry" => {
                let carry = named(name, value, &CARRY_POSITIONS, |c| c.name())?;
                self.set_carry(carry);
            }
            "environment" => {
                let names: Vec<&str> = ENVIRONMENT_NAMES.iter().map(|(n, _)| *n).collect();
                let preset = named(name, value, &names, |n| n)?;
                self.world.environment.preset = preset.to_owned();
            }
            _ => {
                let distance_m = number(name, value)?;
                if !(distance_m > 0.0 && distance_m <= WALK_DISTANCE_M_MAX) {
                    return Err(format!(
                        "parameter `{name}` must be above 0 and at most {WALK_DISTANCE_M_MAX} \
                        m, not {distance_m}"
                    ));
                }
                self.set_walk_distance(distance_m)?;
            }
        }
        Ok(())
    }

    /// Every phone paired with a PC is carried at `carry`: its starting carry position and
    /// every `carry` action that picks it up. A `leave_phone` keeps its own position.
    fn set_carry(&mut self, carry: CarryPosition) {
        let paired: Vec<String> = self
            .world
            .pcs
            .values()
            .flat_map(|pc| pc.paired_phones.iter().map(|p| p.value.clone()))
            .collect();
        let handles: Vec<_> = paired.iter().filter_map(|id| self.world.phone_id(id)).collect();
        for id in &paired {
            if let Some(phone) = self.world.phones.get_mut(id) {
                phone.carry = Carry::Position(carry);
            }
        }
        for action in &mut self.timeline {
            if let Action::Carry { phone, carry: c, .. } = &mut action.action
                && handles.contains(phone)
            {
                *c = Carry::Position(carry);
            }
        }
    }

    /// Moves the far end of every walk-away to `distance_m` from the PC (see `docs/sweep.md`):
    /// for each PC with a user, the waypoints of that user's walks farthest (in plan) from the
    /// PC are moved along the line from the PC through them to `distance_m`, on their floor.
    fn set_walk_distance(&mut self, distance_m: f64) -> Result<(), String> {
        let mut moved = false;
        for setup in &self.pcs {
            let Some(user) = setup.user else { continue };
            // A carried laptop has no position of its own: its user cannot walk away from it.
            let Some(pc) = self.world.pcs.get(&setup.id).and_then(|pc| pc.position) else {
                continue;
            };
            let walks = self.timeline.iter_mut().filter_map(|a| match &mut a.action {
                Action::Walk { user: u, waypoints } if *u == user => Some(waypoints),
                _ => None,
            });
            let mut waypoints: Vec<&mut Waypoint> = walks.flatten().collect();
            let far_m = waypoints.iter().map(|w| pc.distance_m(&w.to)).fold(0.0, f64::max);
            if far_m < FAR_END_M_MIN {
                continue;
            }
            for waypoint in waypoints.iter_mut().filter(|w| pc.distance_m(&w.to) >= far_m) {
                let scale = distance_m / far_m;
                waypoint.to.x_m = pc.x_m + (waypoint.to.x_m - pc.x_m) * scale;
                waypoint.to.y_m = pc.y_m + (waypoint.to.y_m - pc.y_m) * scale;
                moved = true;
            }
        }
        if moved {
            Ok(())
        } else {
            Err("parameter `walk_distance_m` needs a scenario in which a PC's user walks away \
                from the PC; this one has no such walk"
                .to_owned())
        }
    }

    /// Sets an RSSI threshold (`min`: `rssiMin`, else `rssiMaxDelta`) on every bluetooth signal
    /// of the `rules` of every PC's policy; `n` must be a whole number of dB.
    fn set_rssi_threshold(
        &mut self,
        name: &str,
        n: f64,
        rules: Rules,
        min: bool,
    ) -> Result<(), String> {
        let db = rssi_db(name, n)?;
        for pc in &mut self.pcs {
            if let Some(policy) = &mut pc.policy {
                write_rssi_threshold(policy, db, rules, min);
            }
        }
        Ok(())
    }
}

/// `n` as a whole number of dB within ±[`RSSI_DB_ABS_MAX`].
fn rssi_db(name: &str, n: f64) -> Result<i32, String> {
    if n.fract() != 0.0 || n.abs() > RSSI_DB_ABS_MAX {
        return Err(format!(
            "parameter `{name}` must be a whole number of dB within ±{RSSI_DB_ABS_MAX}, not {n}"
        ));
    }
    Ok(n as i32)
}

/// Writes `db` as `rssiMin` (`min`) or `rssiMaxDelta` on every bluetooth signal of `rules`.
fn write_rssi_threshold(policy: &mut engine::policy::Policy, db: i32, rules: Rules, min: bool) {
    let mut rule_sets: Vec<&mut RuleSet> = Vec::new();
    if let (Some(dynamic_lock), true) = (&mut policy.dynamic_lock, rules != Rules::Unlock) {
        rule_sets.push(&mut dynamic_lock.rules);
    }
    let unlock = policy.device_unlock.as_mut().and_then(|d| d.signal_rules.as_mut());
    if let (Some(unlock), true) = (unlock, rules != Rules::DynamicLock) {
        rule_sets.push(unlock);
    }
    for rule_set in rule_sets {
        for_each_bluetooth_signal(rule_set, |signal| {
            if min {
                signal.rssi_min = Some(db);
            } else {
                signal.rssi_max_delta = Some(db);
            }
        });
    }
}

/// The rules and threshold (`true`: `rssiMin`) an RSSI setting named `name` writes.
fn rssi_target(name: &str) -> Option<(Rules, bool)> {
    match name {
        "dynamic_lock_rssi_min" => Some((Rules::DynamicLock, true)),
        "dynamic_lock_rssi_max_delta" => Some((Rules::DynamicLock, false)),
        "unlock_rssi_min" => Some((Rules::Unlock, true)),
        "unlock_rssi_max_delta" => Some((Rules::Unlock, false)),
        "rssi_min" => Some((Rules::Both, true)),
        "rssi_max_delta" => Some((Rules::Both, false)),
        _ => None,
    }
}

/// Sets the RSSI setting `name` (one of the six [`ParamKind::Setting`] names of
/// [`PARAMETERS`], e.g. `dynamic_lock_rssi_min`) to `value` dB on `policy`, as
/// [`Scenario::set_parameter`] does on each PC's policy: what `unlocksim replay --set` uses.
/// Returns `Ok(false)` when `name` is not an RSSI setting (nothing changed).
///
/// # Errors
/// `value` is not a whole number of dB within ±128.
pub fn set_policy_rssi_threshold(
    policy: &mut engine::policy::Policy,
    name: &str,
    value: &ParamValue,
) -> Result<bool, String> {
    let Some((rules, min)) = rssi_target(name) else { return Ok(false) };
    write_rssi_threshold(policy, rssi_db(name, number(name, value)?)?, rules, min);
    Ok(true)
}

/// The values of the inclusive range `from`, `to` by `step` of parameter `name`: integers when
/// all three are whole numbers, else floats; `to` is included when a whole number of steps
/// away. A sweep's `range:` and `unlocksim replay --grid NAME=FROM..TO:STEP` both expand here.
///
/// # Errors
/// A bound or step not finite, a zero step, a step that does not lead from `from` to `to`, or
/// more than `values_max` values.
pub fn range_values(
    name: &str,
    from: f64,
    to: f64,
    step: f64,
    values_max: u64,
) -> Result<Vec<ParamValue>, String> {
    if !(from.is_finite() && to.is_finite() && step.is_finite()) || step == 0.0 {
        return Err(format!("parameter `{name}`: range needs finite from, to and a non-zero step"));
    }
    if (to - from) * step < 0.0 {
        return Err(format!("parameter `{name}`: step {step} does not lead from {from} to {to}"));
    }
    let count = ((to - from) / step + 1e-9).floor() as u64 + 1;
    if count > values_max {
        return Err(format!("parameter `{name}`: range has {count} values, at most {values_max}"));
    }
    let integral = [from, to, step].iter().all(|v| v.fract() == 0.0);
    Ok((0..count)
        .map(|i| {
            let v = from + step * i as f64;
            if integral { ParamValue::Int(v as i64) } else { ParamValue::Float(v) }
        })
        .collect())
}

/// Every combination of the dimensions' values (a Cartesian product), the first dimension
/// slowest: what a sweep's `combine: cartesian` and `replay --grid` run. The caller bounds the
/// product's size before calling.
pub fn cartesian_points(dims: &[(String, Vec<ParamValue>)]) -> Vec<Vec<(String, ParamValue)>> {
    let mut points = vec![Vec::new()];
    for (name, values) in dims {
        points = points
            .into_iter()
            .flat_map(|prefix: Vec<(String, ParamValue)>| {
                values.iter().map(move |value| {
                    let mut next = prefix.clone();
                    next.push((name.clone(), value.clone()));
                    next
                })
            })
            .collect();
    }
    points
}

/// A far end nearer the PC than this (m) has no direction to move along: the user did not walk
/// away (unknown; chosen, range 0.01..0.5).
const FAR_END_M_MIN: f64 = 0.1;

/// The calibration key behind sweep parameter `name`: timings drop their `_s`.
fn calibration_key(name: &str) -> &str {
    match name.strip_suffix("_s") {
        Some(key) if crate::calibration::calibration_key(key).is_some() => key,
        _ => name,
    }
}

/// The finite number parameter `name` needs.
fn number(name: &str, value: &ParamValue) -> Result<f64, String> {
    match value.number() {
        Some(n) if n.is_finite() => Ok(n),
        _ => Err(format!("parameter `{name}` needs a number, not {}", value.described())),
    }
}

/// The value of `all` whose name is the text `value`.
fn named<'a, T: Copy>(
    name: &str,
    value: &ParamValue,
    all: &'a [T],
    name_of: impl Fn(T) -> &'a str,
) -> Result<T, String> {
    let ParamValue::Text(text) = value else {
        return Err(format!("parameter `{name}` needs a name, not {}", value.described()));
    };
    all.iter().copied().find(|v| name_of(*v) == text).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|v| name_of(*v)).collect();
        format!(
            "`{text}` is not a value of `{name}`: {}",
            engine::diagnostic::suggest::did_you_mean(text, &names)
        )
    })
}

#[cfg(test)]
mod tests {
    use engine::time::SimDuration;
    use rstest::rstest;

    use super::*;

    fn scenario() -> Scenario {
        let text = r#"
name: t
duration: 10m
world:
  pcs:
    desk: {position: [0, 0], paired_phones: [ana-phone]}
  phones:
    ana-phone: {carried_by: ana, carry: trouser_pocket}
  users:
    ana: {position: [0.6, 0]}
windows:
  desk: {user: ana, policy_file: p.yaml}
timeline:
  - {at: 1m, walk: {user: ana, to: [[3, 0], [6, 8]]}}
  - {at: 4m, walk: {user: ana, to: [[0.6, 0]]}}
  - {at: 5m, walk: {user: ana, to: [[6, 8]]}}
"#;
        let policy = r#"
device_unlock:
  first_factors: [pin, fingerprint]
  second_factors: [trusted_signal, pin]
  signal_rules: '<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Authentication" classOfDevice="512" rssiMin="-10" rssiMaxDelta="-10"/></rule>'
dynamic_lock:
  enabled: true
  signal_rules: '<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Dynamic Lock" classOfDevice="512" rssiMin="-10" rssiMaxDelta="-10"/></rule>'
"#;
        let mut read = |_: &str| Ok(policy.to_string());
        crate::load_scenario("t.yaml", text, &mut read).expect("valid")
    }

    /// (Dynamic Lock rssiMin, rssiMaxDelta, Authentication rssiMin, rssiMaxDelta).
    fn thresholds(scenario: &Scenario) -> (i32, i32, i32, i32) {
        let policy = scenario.pcs[0].policy.as_ref().unwrap();
        let lock = policy.dynamic_lock.as_ref().unwrap().rules.bluetooth_signals().next().unwrap();
        let unlock = policy.device_unlock.as_ref().unwrap().signal_rules.as_ref().unwrap();
        let unlock = unlock.bluetooth_signals().next().unwrap();
        (lock.rssi_min(), lock.rssi_max_delta(), unlock.rssi_min(), unlock.rssi_max_delta())
    }

    #[rstest]
    #[case("dynamic_lock_rssi_min", (-5, -10, -10, -10))]
    #[case("dynamic_lock_rssi_max_delta", (-10, -5, -10, -10))]
    #[case("unlock_rssi_min", (-10, -10, -5, -10))]
    #[case("unlock_rssi_max_delta", (-10, -10, -10, -5))]
    #[case("rssi_min", (-5, -10, -5, -10))]
    #[case("rssi_max_delta", (-10, -5, -10, -5))]
    fn each_knob_writes_its_own_rule(#[case] name: &str, #[case] expected: (i32, i32, i32, i32)) {
        let mut s = scenario();
        s.set_parameter(name, &ParamValue::Int(-5)).unwrap();
        assert_eq!(thresholds(&s), expected);
    }

    #[rstest]
    #[case("rssi_min", ParamValue::Float(-5.5), "must be a whole number of dB")]
    #[case("unlock_rssi_min", ParamValue::Text("low".into()), "needs a number")]
    #[case("idle_min_s", ParamValue::Int(-1), "idle_min must lie in [0, 31622400] s, not -1")]
    #[case("page_timeout_s", ParamValue::Int(41), "page_timeout must lie in [0, 40.959375] s")]
    #[case("coexistence_loss_db", ParamValue::Float(-1.0), "must lie in [0, 30] dB, not -1")]
    #[case("grpr_lower_dbm", ParamValue::Int(-40), "grpr_lower_dbm must lie in [-94, -56] dBm")]
    #[case("poll_interval_max_s", ParamValue::Int(0), "must be at least 1 and at most 86400")]
    #[case("rssi_delta_reference", ParamValue::Text("peak".into()), "`peak` is not a value")]
    #[case("carry", ParamValue::Text("pocket".into()), "`pocket` is not a value of `carry`")]
    #[case("environment", ParamValue::Text("office_nlo".into()), "did you mean `office_nlos`?")]
    #[case("walk_distance_m", ParamValue::Int(0), "must be above 0 and at most 1000 m")]
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
    fn interpretations_timings_and_calibration() {
        let mut s = scenario();
        s.set_parameter("rssi_delta_reference", &ParamValue::Text("peak_rssi".into())).unwrap();
        s.set_parameter("idle_min_s", &ParamValue::Int(60)).unwrap();
        s.set_parameter("page_timeout_s", &ParamValue::Float(1.28)).unwrap();
        s.set_parameter("coexistence_loss_db", &ParamValue::Int(10)).unwrap();
        assert_eq!(s.interpretations.rssi_delta_reference, RssiDeltaReference::PeakRssi);
        assert_eq!(s.calibration.idle_min, SimDuration::from_s(60));
        assert_eq!(s.calibration.page_timeout, SimDuration::from_us(1_280_000));
        assert_eq!(s.calibration.coexistence_loss_db, 10.0);
    }

    /// A swept calibration value is fixed for every run, even where the scenario wrote a
    /// distribution; poll interval bounds keep min <= max.
    #[test]
    fn calibration_values_replace_distributions() {
        let mut s = scenario();
        let text = "name: t\nduration: 1m\ncalibration: {lock_delay: {uniform: [20s, 40s]}}\n\
                    world:\n  pcs:\n    desk: {position: [0, 0]}\n";
        let mut read = |_: &str| Ok(String::new());
        let mut drawn = crate::load_scenario("d.yaml", text, &mut read).expect("valid");
        let streams = engine::rng::RandomStreams::new(1);
        assert_eq!(drawn.calibration.drawn(streams).1.len(), 1, "the scenario draws lock_delay");
        drawn.set_parameter("lock_delay_s", &ParamValue::Int(25)).unwrap();
        let (used, draws) = drawn.calibration.drawn(streams);
        assert!(draws.is_empty(), "{draws:?}");
        assert_eq!(used.lock_delay, SimDuration::from_s(25));
        s.set_parameter("poll_interval_min_s", &ParamValue::Int(45)).unwrap();
        let c = &s.calibration;
        assert_eq!(
            (c.poll_interval_min, c.poll_interval_max),
            (SimDuration::from_s(45), SimDuration::from_s(45))
        );
        s.set_parameter("poll_interval_max_s", &ParamValue::Int(10)).unwrap();
        let c = &s.calibration;
        assert_eq!(
            (c.poll_interval_min, c.poll_interval_max),
            (SimDuration::from_s(10), SimDuration::from_s(10))
        );
    }

    /// Every numeric calibration key is a sweep parameter of kind calibration, timings with
    /// `_s` appended.
    #[test]
    fn every_calibration_key_is_sweepable() {
        for key in crate::calibration::CALIBRATION_KEYS {
            let name = match key.unit {
                crate::calibration::Unit::Seconds => format!("{}_s", key.name),
                _ => key.name.to_owned(),
            };
            assert_eq!(parameter(&name).map(|p| p.kind), Some(ParamKind::Calibration), "{name}");
        }
        let count = PARAMETERS.iter().filter(|p| p.kind == ParamKind::Calibration).count();
        assert_eq!(count, crate::calibration::CALIBRATION_KEYS.len());
    }

    #[test]
    fn carry_and_environment() {
        let mut s = scenario();
        s.set_parameter("carry", &ParamValue::Text("bag".into())).unwrap();
        s.set_parameter("environment", &ParamValue::Text("home".into())).unwrap();
        assert_eq!(s.world.phones["ana-phone"].carry, Carry::Position(CarryPosition::Bag));
        assert_eq!(s.world.environment.preset, "home");
    }

    /// The far end of every walk-away ([6, 8], 10 m from the desk) moves along its direction
    /// to the new distance; the corridor waypoint and the walk back stay.
    #[test]
    fn walk_distance_moves_the_far_end_of_each_walk_away() {
        let mut s = scenario();
        s.set_parameter("walk_distance_m", &ParamValue::Int(5)).unwrap();
        let ends: Vec<Vec<(f64, f64)>> = s
            .timeline
            .iter()
            .filter_map(|a| match &a.action {
                Action::Walk { waypoints, .. } => {
                    Some(waypoints.iter().map(|w| (w.to.x_m, w.to.y_m)).collect())
                }
                _ => None,
            })
            .collect();
        assert_eq!(ends, [vec![(3.0, 0.0), (3.0, 4.0)], vec![(0.6, 0.0)], vec![(3.0, 4.0)]]);
    }

    #[test]
    fn every_parameter_is_settable_or_explains_why_not() {
        for p in PARAMETERS {
            let value = match p.kind {
                ParamKind::Setting => ParamValue::Int(-12),
                ParamKind::Calibration => match p.name {
                    "grpr_lower_dbm" => ParamValue::Int(-60),
                    "grpr_width_db" => ParamValue::Int(20),
                    "sensitivity_dbm" => ParamValue::Int(-90),
                    _ => ParamValue::Int(2),
                },
                ParamKind::Interpretation | ParamKind::Condition => match p.name {
                    "carry" => ParamValue::Text("hand".into()),
                    "environment" => ParamValue::Text("corridor".into()),
                    "walk_distance_m" => ParamValue::Int(7),
                    _ => ParamValue::Text("none of these".into()),
                },
            };
            let result = scenario().set_parameter(p.name, &value);
            let expected_ok = p.kind != ParamKind::Interpretation;
            assert_eq!(result.is_ok(), expected_ok, "{}: {result:?}", p.name);
        }
    }
}
