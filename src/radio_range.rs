//! `unlocksim radio`'s calibration: `--calibration KEY=VALUE` for the radio unknowns, and the
//! range effect: each unknown resampled at the low and high ends of its documented range
//! (`scenarios::calibration::CALIBRATION_KEYS`, `docs/model.md` "Unknowns"), everything else at
//! its value, to show how far the outcome moves on a guess.

use scenarios::calibration::{CalibrationKey, calibration_key, check_value};
use serde_json::{Value, json};
use sim_devices::bluetooth::BluetoothRadioConfig;
use sim_devices::profile::{ProfilePoint, ProfileRequest, sample_profile};

/// The radio unknowns, in the order the range effect lists them.
pub const RADIO_KEYS: [&str; 5] = [
    "grpr_lower_dbm",
    "grpr_width_db",
    "tx_power_dbm_max",
    "sensitivity_dbm",
    "coexistence_loss_db",
];

/// Most polls per distance the range effect samples (it samples 11 profiles: the values as set,
/// then each of 5 unknowns at 2 ends); `--samples` above it are cut to it here only.
pub const RANGE_EFFECT_SAMPLES_MAX: u32 = 1_000;

/// Distances whose median reading the range effect reports, m (besides the crossing): near the
/// flat region's end, mid-office and a long walk; chosen.
const PROBE_DISTANCES_M: [f64; 3] = [5.0, 10.0, 20.0];

/// The radio unknowns' values: the phone's radio and the PC's coexistence loss, dB.
#[derive(Debug, Clone, PartialEq)]
pub struct RadioCalibration {
    pub radio: BluetoothRadioConfig,
    pub coexistence_loss_db: f64,
}

impl Default for RadioCalibration {
    fn default() -> Self {
        RadioCalibration { radio: BluetoothRadioConfig::default(), coexistence_loss_db: 0.0 }
    }
}

impl RadioCalibration {
    /// The value of radio key `name` (one of [`RADIO_KEYS`]).
    fn get(&self, name: &str) -> f64 {
        match name {
            "grpr_lower_dbm" => self.radio.grpr_lower_dbm,
            "grpr_width_db" => self.radio.grpr_width_db,
            "tx_power_dbm_max" => self.radio.tx_power_dbm_max,
            "sensitivity_dbm" => self.radio.sensitivity_dbm,
            _ => self.coexistence_loss_db,
        }
    }

    /// A copy with radio key `name` set to `value`.
    fn with(&self, name: &str, value: f64) -> RadioCalibration {
        let mut copy = self.clone();
        match name {
            "grpr_lower_dbm" => copy.radio.grpr_lower_dbm = value,
            "grpr_width_db" => copy.radio.grpr_width_db = value,
            "tx_power_dbm_max" => copy.radio.tx_power_dbm_max = value,
            "sensitivity_dbm" => copy.radio.sensitivity_dbm = value,
            _ => copy.coexistence_loss_db = value,
        }
        copy
    }

    /// The documented range of `key` given the other values: the GRPR's lower limit is at
    /// least sensitivity + 6 dB, so it bounds the sensitivity from above too.
    fn range(&self, key: &CalibrationKey) -> [f64; 2] {
        let [low, high] = key.range;
        match key.name {
            "grpr_lower_dbm" => [self.radio.sensitivity_dbm + 6.0, high],
            "sensitivity_dbm" => [low, high.min(self.radio.grpr_lower_dbm - 6.0)],
            _ => [low, high],
        }
    }
}

/// Parses `--calibration KEY=VALUE` pairs over the defaults.
///
/// # Errors
/// A pair without `=`, a key that is not a radio unknown (with a hint), a value that is not a
/// number or outside the key's limits, or a GRPR lower limit below sensitivity + 6 dB.
pub fn parse_calibration(pairs: &[String]) -> Result<RadioCalibration, String> {
    let mut calibration = RadioCalibration::default();
    for pair in pairs {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("--calibration: expected KEY=VALUE, got `{pair}`"))?;
        let name = name.trim();
        let key = calibration_key(name).filter(|key| key.radio).ok_or_else(|| {
            let hint = engine::diagnostic::suggest::did_you_mean(name, &RADIO_KEYS);
            format!("--calibration: `{name}` is not a radio unknown ({hint})")
        })?;
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| format!("--calibration: {name} needs a number, got `{value}`"))?;
        check_value(key, value).map_err(|message| format!("--calibration: {message}"))?;
        calibration = calibration.with(name, value);
    }
    let (lower, sensitivity) =
        (calibration.radio.grpr_lower_dbm, calibration.radio.sensitivity_dbm);
    if lower < sensitivity + 6.0 {
        return Err(format!(
            "--calibration: grpr_lower_dbm ({lower}) must be at least sensitivity_dbm + 6 ({})",
            sensitivity + 6.0
        ));
    }
    Ok(calibration)
}

/// What the profile shows with one set of values.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeEnd {
    /// The unknown's value, in its unit.
    pub value: f64,
    /// The first requested distance whose median reading (absent counted low) is below the
    /// absence threshold; `None` when none is.
    pub crossing_m: Option<f64>,
    /// The median reading at each of [`PROBE_DISTANCES_M`]; `None` when most polls failed.
    pub rssi_p50: Vec<(f64, Option<i16>)>,
}

/// How one unknown moves the profile across its documented range.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeEffect {
    pub key: &'static CalibrationKey,
    pub low: RangeEnd,
    pub default: RangeEnd,
    pub high: RangeEnd,
}

/// Samples `base` (without coexistence loss) with `calibration`, then each radio unknown at the
/// ends of its range; at most [`RANGE_EFFECT_SAMPLES_MAX`] polls per distance.
///
/// # Errors
/// A request `sample_profile` refuses.
pub fn range_effect(
    base: &ProfileRequest,
    calibration: &RadioCalibration,
    absent_below: i16,
) -> Result<Vec<RangeEffect>, String> {
    let end = |values: &RadioCalibration, value: f64| -> Result<RangeEnd, String> {
        let mut request = base.clone();
        request.radio = values.radio.clone();
        request.obstruction_loss_db += values.coexistence_loss_db;
        request.samples = request.samples.min(RANGE_EFFECT_SAMPLES_MAX);
        let requested = sample_profile(&request)?;
        // Each distance has its own streams: sampling the probes apart changes no reading.
        request.distances_m = PROBE_DISTANCES_M.to_vec();
        let probes = sample_profile(&request)?;
        Ok(RangeEnd {
            value,
            crossing_m: crossing_m(&requested, absent_below),
            rssi_p50: probes.iter().map(|p| (p.distance_m, p.median_with_absent())).collect(),
        })
    };
    let mut effects = Vec::new();
    for name in RADIO_KEYS {
        let Some(key) = calibration_key(name) else { continue };
        let [low, high] = calibration.range(key);
        effects.push(RangeEffect {
            key,
            low: end(&calibration.with(name, low), low)?,
            default: end(calibration, calibration.get(name))?,
            high: end(&calibration.with(name, high), high)?,
        });
    }
    Ok(effects)
}

/// The first distance whose median (absent counted below everything) is below `threshold`.
pub fn crossing_m(points: &[ProfilePoint], threshold: i16) -> Option<f64> {
    points
        .iter()
        .find(|point| point.median_with_absent().is_none_or(|median| median < threshold))
        .map(|point| point.distance_m)
}

fn end_json(end: &RangeEnd) -> Value {
    let p50: Vec<Value> = end
        .rssi_p50
        .iter()
        .map(|(distance_m, rssi)| json!({ "distance_m": distance_m, "rssi_p50": rssi }))
        .collect();
    json!({ "value": end.value, "crossing_m": end.crossing_m, "rssi_p50_at": p50 })
}

/// The `range_effect` array of `radio --json`.
pub fn effects_json(effects: &[RangeEffect]) -> Value {
    let items: Vec<Value> = effects
        .iter()
        .map(|effect| {
            json!({
                "name": effect.key.name,
                "unit": effect.key.unit.symbol(),
                "low": effect.low.value,
                "default": effect.default.value,
                "high": effect.high.value,
                "crossing_m_at_low": effect.low.crossing_m,
                "crossing_m_at_default": effect.default.crossing_m,
                "crossing_m_at_high": effect.high.crossing_m,
                "at_low": end_json(&effect.low),
                "at_default": end_json(&effect.default),
                "at_high": end_json(&effect.high),
                "source": effect.key.source,
            })
        })
        .collect();
    Value::Array(items)
}

/// The range effect as a short table, one line per unknown.
pub fn effects_text(effects: &[RangeEffect], absent_below: i16, samples: u32) -> Vec<String> {
    let show_m = |m: Option<f64>| m.map_or_else(|| "-".to_owned(), |m| format!("{m}"));
    let p50_10 = |end: &RangeEnd| {
        let at = end.rssi_p50.iter().find(|(d, _)| *d == 10.0).and_then(|(_, r)| *r);
        at.map_or_else(|| "-".to_owned(), |r| r.to_string())
    };
    let mut lines = vec![
        format!(
            "range effect: each radio unknown at the ends of its documented range, the rest as \
             set ({} polls per distance); crossing = median below {absent_below}",
            samples.min(RANGE_EFFECT_SAMPLES_MAX)
        ),
        format!(
            "{:<20} {:>7} {:>7} {:>7} {:>9} {:>9} {:>9} {:>8} {:>8}",
            "unknown",
            "low",
            "value",
            "high",
            "cross_lo",
            "cross",
            "cross_hi",
            "p50@10lo",
            "p50@10hi"
        ),
    ];
    for effect in effects {
        lines.push(format!(
            "{:<20} {:>7} {:>7} {:>7} {:>9} {:>9} {:>9} {:>8} {:>8}",
            effect.key.name,
            effect.low.value,
            effect.default.value,
            effect.high.value,
            show_m(effect.low.crossing_m),
            show_m(effect.default.crossing_m),
            show_m(effect.high.crossing_m),
            p50_10(&effect.low),
            p50_10(&effect.high),
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_pairs() {
        let parsed = parse_calibration(&["grpr_lower_dbm=-70".into()]).expect("valid");
        assert_eq!(parsed.radio.grpr_lower_dbm, -70.0);
        for (bad, says) in [
            ("grpr_lower_dbm", "KEY=VALUE"),
            ("grpr_lower=-60", "did you mean `grpr_lower_dbm`"),
            ("lock_delay=3", "not a radio unknown"),
            ("grpr_width_db=x", "needs a number"),
            ("grpr_width_db=40", "must lie in [14, 26] dB"),
            ("grpr_lower_dbm=-90", "at least sensitivity_dbm + 6"),
        ] {
            let message = parse_calibration(&[bad.into()]).expect_err(bad);
            assert!(message.contains(says), "{bad}: {message}");
        }
    }
}
