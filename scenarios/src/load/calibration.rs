//! Loader leaf for `calibration:`: every written value (fixed or a distribution) within its
//! key's limits ([`crate::calibration::CALIBRATION_KEYS`]), distributions well formed, the poll
//! interval and the typing interval above 0, and the radio keys consistent with each other and
//! with every phone's own radio (the GRPR's lower limit at least sensitivity + 6 dB).

use engine::diagnostic::Diagnostic;
use engine::diagnostic::yaml::spanned_range;
use serde_saphyr::Spanned;
use sim_devices::bluetooth::BluetoothRadioConfig;
use sim_devices::world::WorldConfig;

use super::Checker;
use crate::calibration::{
    CALIBRATION_CHOICES_MAX, CalibrationKey, Distribution, Unit, calibration_key, duration_of_s,
};
use crate::format::Calibration;

/// How a value of `key` reads in a message: `40s959ms375us`, `-56 dBm`.
fn shown(key: &CalibrationKey, value: f64) -> String {
    match key.unit {
        Unit::Seconds if value.is_finite() => duration_of_s(value).to_string(),
        unit => format!("{value} {}", unit.symbol()),
    }
}

/// What is wrong with one written value of `key`, if anything.
fn problem(key: &CalibrationKey, written: &Distribution) -> Option<String> {
    let name = key.name;
    let [low, high] = key.limit;
    let outside = written.written_values().into_iter().find(|v| !(low..=high).contains(v));
    if let Some(value) = outside {
        return Some(match key.unit {
            Unit::Seconds if value < low => {
                format!("{name} must be at least {}, not {}", shown(key, low), shown(key, value))
            }
            Unit::Seconds => {
                format!("{name} must be at most {}, not {}", shown(key, high), shown(key, value))
            }
            Unit::Db | Unit::Dbm => {
                format!("{name} must lie in [{low}, {high}] {}, not {value}", key.unit.symbol())
            }
        });
    }
    match written {
        Distribution::Uniform { low, high } if low > high => Some(format!(
            "{name}: uniform needs low <= high, not [{}, {}]",
            shown(key, *low),
            shown(key, *high)
        )),
        Distribution::Choice(values) if values.is_empty() => {
            Some(format!("{name}: choice needs at least one value"))
        }
        Distribution::Choice(values) if values.len() > CALIBRATION_CHOICES_MAX => Some(format!(
            "{name}: choice lists {} values; at most {CALIBRATION_CHOICES_MAX}",
            values.len()
        )),
        Distribution::Normal { sd, .. } if !(sd.is_finite() && *sd >= 0.0) => {
            Some(format!("{name}: normal needs sd >= 0, not {sd}"))
        }
        _ => None,
    }
}

/// The smallest and largest value `name` can take in a run: its distribution's bounds, or the
/// fixed value.
fn bounds(calibration: &Calibration, name: &str) -> Option<[f64; 2]> {
    let key = calibration_key(name)?;
    Some(match calibration.written.get(name) {
        Some(written) => written.value.bounds(key.limit),
        None => [calibration.value(key); 2],
    })
}

impl Checker<'_> {
    /// `calibration`: every written value, then the relations between values.
    pub(super) fn calibration(&mut self, calibration: &Calibration, world: &WorldConfig) {
        for (name, written) in &calibration.written {
            let Some(key) = calibration_key(name) else { continue };
            if let Some(message) = problem(key, &written.value) {
                self.calibration_error(format!("calibration: {message}"), Some(written));
            }
        }
        self.intervals(calibration);
        self.radio_relations(calibration, world);
        self.radio_overrides(calibration, world);
    }

    /// Warns where a calibration radio key replaces a value a phone's `radio:` sets (one that
    /// differs from the default): calibration applies to every phone and wins.
    fn radio_overrides(&mut self, calibration: &Calibration, world: &WorldConfig) {
        let default = BluetoothRadioConfig::default();
        let field = |radio: &BluetoothRadioConfig, name: &str| match name {
            "grpr_lower_dbm" => radio.grpr_lower_dbm,
            "grpr_width_db" => radio.grpr_width_db,
            "tx_power_dbm_max" => radio.tx_power_dbm_max,
            _ => radio.sensitivity_dbm,
        };
        for name in ["grpr_lower_dbm", "grpr_width_db", "tx_power_dbm_max", "sensitivity_dbm"] {
            let Some(written) = calibration.written.get(name) else { continue };
            let own: Vec<String> = world
                .phones
                .iter()
                .filter(|(_, phone)| field(&phone.radio, name) != field(&default, name))
                .map(|(id, phone)| format!("`{id}` ({})", field(&phone.radio, name)))
                .collect();
            if own.is_empty() {
                continue;
            }
            let message = format!(
                "calibration.{name} replaces the radio.{name} of phone(s) {}: a calibration \
                 radio value applies to every phone",
                own.join(", ")
            );
            let span = spanned_range(self.source, written);
            let warning = Diagnostic::warning("scenario::calibration-overrides-radio", message)
                .at(self.source, span)
                .with_hint("leave the key out of `calibration` to keep each phone's own value");
            self.diagnostics.push(warning);
        }
    }

    /// Reports a calibration problem at `at`'s value, or at the `calibration:` key.
    fn calibration_error(&mut self, message: String, at: Option<&Spanned<Distribution>>) {
        let span = match at {
            Some(at) => spanned_range(self.source, at),
            None => self.key_span("calibration"),
        };
        self.error_at("scenario::calibration", message, span);
    }

    /// poll_interval_min <= poll_interval_max in every run. Each interval's floor (above 0) is
    /// its key's limit, checked with the key ([`crate::calibration::POLL_INTERVAL_S_MIN`]).
    fn intervals(&mut self, calibration: &Calibration) {
        let [_, min_high] = bounds(calibration, "poll_interval_min").unwrap_or_default();
        let [max_low, _] = bounds(calibration, "poll_interval_max").unwrap_or_default();
        if min_high > max_low {
            let message = "calibration needs poll_interval_min <= poll_interval_max";
            let drawn = ["poll_interval_min", "poll_interval_max"]
                .iter()
                .any(|name| calibration.written.get(*name).is_some_and(|w| w.value.is_drawn()));
            let message = if drawn {
                format!("{message} (in every run: compare the ends of the distributions)")
            } else {
                message.to_owned()
            };
            self.calibration_error(message, None);
        }
    }

    /// The radio keys against each other and against every phone's own radio: the GRPR's lower
    /// limit at least sensitivity + 6 dB (Core v5.2 Vol 4 Part E 7.5.4), and the maximum
    /// transmit power at least each phone's minimum.
    fn radio_relations(&mut self, calibration: &Calibration, world: &WorldConfig) {
        let phones = || world.phones.values().map(|phone| &phone.radio);
        let sensitivity_high = match bounds(calibration, "sensitivity_dbm") {
            Some([_, high]) if calibration.written.contains_key("sensitivity_dbm") => high,
            _ => phones().map(|radio| radio.sensitivity_dbm).fold(-90.0, f64::max),
        };
        if let Some(written) = calibration.written.get("grpr_lower_dbm") {
            let [low, _] = bounds(calibration, "grpr_lower_dbm").unwrap_or_default();
            if low < sensitivity_high + 6.0 {
                let message = format!(
                    "calibration: grpr_lower_dbm must lie in [sensitivity + 6, -56] = [{}, -56] \
                     dBm in every run, not as low as {low}",
                    sensitivity_high + 6.0
                );
                self.calibration_error(message, Some(written));
            }
        } else if let Some(written) = calibration.written.get("sensitivity_dbm") {
            let lowest = phones().map(|radio| radio.grpr_lower_dbm).fold(f64::INFINITY, f64::min);
            if lowest < sensitivity_high {
                let message = format!(
                    "calibration: sensitivity_dbm up to {sensitivity_high} dBm is above a phone's \
                     grpr_lower_dbm ({lowest} dBm); set grpr_lower_dbm too"
                );
                self.calibration_error(message, Some(written));
            }
        }
        if let Some(written) = calibration.written.get("tx_power_dbm_max") {
            let [low, _] = bounds(calibration, "tx_power_dbm_max").unwrap_or_default();
            let highest_min =
                phones().map(|radio| radio.tx_power_dbm_min).fold(f64::NEG_INFINITY, f64::max);
            if low < highest_min {
                let message = format!(
                    "calibration: tx_power_dbm_max as low as {low} dBm is below a phone's \
                     tx_power_dbm_min ({highest_min} dBm)"
                );
                self.calibration_error(message, Some(written));
            }
        }
    }
}
