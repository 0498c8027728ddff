//! Calibration unknowns: the one table of keys with their defaults, documented ranges, limits and
//! sources ([`CALIBRATION_KEYS`], mirrored by the unknowns table of `docs/model.md`, a test keeps
//! them equal), how a value is written (fixed or a distribution, [`Distribution`]), and the
//! per-run draw ([`crate::format::Calibration::drawn`]).
//!
//! A drawn value comes from its own named stream, `RandomStreams::stream("calibration", key)`:
//! a draw never moves any other stream, and the same seed gives the same draw on any number of
//! threads. A scenario that draws nothing runs exactly as before (no stream is opened, no record
//! is written).

use std::collections::BTreeMap;
use std::marker::PhantomData;

use engine::rng::RandomStreams;
use engine::time::SimDuration;
use rand::Rng;
use serde::Deserialize;
use serde::de::value::{BoolDeserializer, F64Deserializer, I64Deserializer, StrDeserializer};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;

use crate::format::{BLUETOOTH_TIMEOUT_MAX, COEXISTENCE_LOSS_DB_MAX, Calibration};

/// Most values a `choice` may list: a bound on the input; a designer's list of candidate
/// values is a handful, never thousands.
pub const CALIBRATION_CHOICES_MAX: usize = 1_000;

/// Tries a truncated normal draw makes before it falls back to the mean clamped to the bounds:
/// the truncation keeps at least the mean's side of mean +- 3 sd, so nearly every try lands;
/// the bound only keeps the loop finite (chosen).
const NORMAL_TRIES: u32 = 1_000;

/// The unit of a calibration value: how it is written and what a draw produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A duration (`30s`, `1500ms`); distributions draw seconds.
    Seconds,
    /// A power ratio, dB.
    Db,
    /// An absolute power, dBm.
    Dbm,
}

impl Unit {
    /// The unit's symbol: `s`, `dB`, `dBm`.
    pub const fn symbol(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::Db => "dB",
            Unit::Dbm => "dBm",
        }
    }
}

/// One calibration key: its default, the range its sources document, the values a scenario may
/// set at all, and where the figures come from. Durations are in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationKey {
    /// The key in `calibration:` (and in `radio --calibration KEY=VALUE`).
    pub name: &'static str,
    pub unit: Unit,
    /// The value used when the scenario does not set the key.
    pub default: f64,
    /// The documented range, `[low, high]`: what `radio` resamples at and what a designer should
    /// sweep. For `grpr_lower_dbm` the low end is sensitivity + 6 dB (shown at the default
    /// sensitivity, -90 dBm).
    pub range: [f64; 2],
    /// What a scenario may set, `[low, high]` (wider than `range` where a what-if beyond the
    /// sources is still meaningful); every written value is checked against it at load.
    pub limit: [f64; 2],
    /// Whether the key is a property of every phone's radio (it replaces the phone's `radio:`
    /// value) rather than of Windows.
    pub radio: bool,
    /// The source of the default and the range, or "unknown; chosen".
    pub source: &'static str,
}

/// 366 days in seconds: [`crate::model::SCENARIO_DURATION_MAX`], the longest a Windows timing
/// may be (a longer one cannot matter within a run).
const DURATION_S_LIMIT: f64 = 366.0 * 86_400.0;

/// The shortest Bluetooth poll interval a scenario may ask for, s. A simulation bound, not a
/// Windows value: Windows polls "several times a minute" (Rivera 2017, the documented range is
/// 5-30 s), and a poll every microsecond ran every scenario into the event bound instead of
/// giving an answer. 1 s keeps a day's run at 86,400 polls per phone.
pub const POLL_INTERVAL_S_MIN: f64 = 1.0;

/// The shortest interval between a typing user's keystrokes, s. A simulation bound, not a user
/// value: 0.1 s is faster than a fast typist (about 0.12 s per keystroke at 100 words a minute).
pub const TYPING_INTERVAL_S_MIN: f64 = 0.1;

/// 0xFFFF slots of 0.625 ms in seconds: [`BLUETOOTH_TIMEOUT_MAX`].
const BLUETOOTH_TIMEOUT_S_LIMIT: f64 = BLUETOOTH_TIMEOUT_MAX.as_us() as f64 / 1e6;

/// Every numeric calibration key (`link_held_between_polls`, a yes/no, is the one other key).
/// `docs/model.md`'s unknowns table lists the same defaults and ranges (a test compares them).
pub const CALIBRATION_KEYS: [CalibrationKey; 12] = [
    CalibrationKey {
        name: "poll_interval_min",
        unit: Unit::Seconds,
        default: 15.0,
        range: [5.0, 30.0],
        limit: [POLL_INTERVAL_S_MIN, DURATION_S_LIMIT],
        radio: false,
        source: "Rivera 2017: Dynamic Lock polls \"several times a minute\"; the values are \
                 unknown, chosen",
    },
    CalibrationKey {
        name: "poll_interval_max",
        unit: Unit::Seconds,
        default: 30.0,
        range: [10.0, 60.0],
        limit: [POLL_INTERVAL_S_MIN, DURATION_S_LIMIT],
        radio: false,
        source: "as poll_interval_min",
    },
    CalibrationKey {
        name: "lock_delay",
        unit: Unit::Seconds,
        default: 30.0,
        range: [20.0, 40.0],
        limit: [0.0, DURATION_S_LIMIT],
        radio: false,
        source: "press reports: locks \"about 30 s\" after the phone is gone; range unknown, \
                 chosen",
    },
    CalibrationKey {
        name: "idle_min",
        unit: Unit::Seconds,
        default: 30.0,
        range: [15.0, 60.0],
        limit: [0.0, DURATION_S_LIMIT],
        radio: false,
        source: "Microsoft: locks only when idle (no duration given); press reports 30 s; range \
                 unknown, chosen",
    },
    CalibrationKey {
        name: "typing_interval",
        unit: Unit::Seconds,
        default: 5.0,
        range: [1.0, 30.0],
        limit: [TYPING_INTERVAL_S_MIN, DURATION_S_LIMIT],
        radio: false,
        source: "unknown; chosen (a user model value, not Windows)",
    },
    CalibrationKey {
        name: "page_timeout",
        unit: Unit::Seconds,
        default: 5.12,
        range: [1.28, 10.24],
        limit: [0.0, BLUETOOTH_TIMEOUT_S_LIMIT],
        radio: false,
        source: "Core v5.2 Vol 4 Part E 7.3.16 Page_Timeout default 0x2000 slots; the value \
                 Windows sets is unknown",
    },
    CalibrationKey {
        name: "supervision_timeout",
        unit: Unit::Seconds,
        default: 20.0,
        range: [5.0, BLUETOOTH_TIMEOUT_S_LIMIT],
        limit: [0.0, BLUETOOTH_TIMEOUT_S_LIMIT],
        radio: false,
        source: "Core v5.2 Vol 4 Part E 7.3.42 Link_Supervision_Timeout default 0x7D00 slots, \
                 at most 0xFFFF; the value in effect is unknown",
    },
    CalibrationKey {
        name: "coexistence_loss_db",
        unit: Unit::Db,
        default: 0.0,
        range: [0.0, 10.0],
        limit: [0.0, COEXISTENCE_LOSS_DB_MAX],
        radio: true,
        source: "a public report measured about 10 dB on one laptop; per laptop unknown",
    },
    CalibrationKey {
        name: "grpr_lower_dbm",
        unit: Unit::Dbm,
        default: -56.0,
        range: [-84.0, -56.0],
        limit: [-94.0, -56.0],
        radio: true,
        source: "Core v5.2 Vol 4 Part E 7.5.4 HCI_Read_RSSI: between sensitivity + 6 dB and \
                 -56 dBm; where a controller puts it is unknown",
    },
    CalibrationKey {
        name: "grpr_width_db",
        unit: Unit::Db,
        default: 20.0,
        range: [14.0, 26.0],
        limit: [14.0, 26.0],
        radio: true,
        source: "Core v5.2 Vol 4 Part E 7.5.4: the upper limit 20 +- 6 dB above the lower",
    },
    CalibrationKey {
        name: "tx_power_dbm_max",
        unit: Unit::Dbm,
        default: 4.0,
        range: [0.0, 20.0],
        limit: [0.0, 20.0],
        radio: true,
        source: "Core v5.2 Vol 2 Part A 3 power classes: class 3 0 dBm, class 2 +4 dBm \
                 (phones), class 1 +20 dBm; LE adds class 1.5 +10 dBm (Vol 6 Part A 3)",
    },
    CalibrationKey {
        name: "sensitivity_dbm",
        unit: Unit::Dbm,
        default: -90.0,
        range: [-97.0, -70.0],
        limit: [-100.0, -70.0],
        radio: true,
        source: "Core v5.2 Vol 2 Part A 4: a BR receiver must reach -70 dBm or better; -90 \
                 dBm typical of BR data sheets; the low end unknown, chosen",
    },
];

/// The names `calibration:` accepts, for "did you mean" hints.
pub const CALIBRATION_KEY_NAMES: [&str; 13] = [
    "poll_interval_min",
    "poll_interval_max",
    "lock_delay",
    "idle_min",
    "typing_interval",
    "page_timeout",
    "supervision_timeout",
    "coexistence_loss_db",
    "grpr_lower_dbm",
    "grpr_width_db",
    "tx_power_dbm_max",
    "sensitivity_dbm",
    "link_held_between_polls",
];

/// The key named `name`, if it is a numeric calibration key.
pub fn calibration_key(name: &str) -> Option<&'static CalibrationKey> {
    CALIBRATION_KEYS.iter().find(|key| key.name == name)
}

/// A calibration value as a scenario writes it: a fixed value, or a distribution drawn once per
/// run. `T` is the written type (`f64`, or `SimDuration` for timings); the stored form is `f64`
/// in the key's unit (seconds for timings).
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution<T = f64> {
    /// `30s`, `-56`.
    Fixed(T),
    /// `{uniform: [low, high]}`: every value in between equally likely.
    Uniform { low: T, high: T },
    /// `{choice: [a, b, ...]}`: one of the listed values, each equally likely.
    Choice(Vec<T>),
    /// `{normal: {mean, sd}}`: normal, truncated to mean +- 3 sd and to the key's limits.
    Normal { mean: T, sd: T },
}

impl<T> Distribution<T> {
    /// The same distribution with every value converted by `f`.
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Distribution<U> {
        match self {
            Distribution::Fixed(value) => Distribution::Fixed(f(value)),
            Distribution::Uniform { low, high } => {
                Distribution::Uniform { low: f(low), high: f(high) }
            }
            Distribution::Choice(values) => {
                Distribution::Choice(values.into_iter().map(f).collect())
            }
            Distribution::Normal { mean, sd } => Distribution::Normal { mean: f(mean), sd: f(sd) },
        }
    }
}

impl Distribution {
    /// Whether the value is drawn per run (anything but [`Distribution::Fixed`]).
    pub fn is_drawn(&self) -> bool {
        !matches!(self, Distribution::Fixed(_))
    }

    /// The smallest and largest value a draw can give within `limit`.
    pub fn bounds(&self, limit: [f64; 2]) -> [f64; 2] {
        let [low, high] = match self {
            Distribution::Fixed(value) => [*value, *value],
            Distribution::Uniform { low, high } => [*low, *high],
            Distribution::Choice(values) => [
                values.iter().copied().fold(f64::INFINITY, f64::min),
                values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ],
            Distribution::Normal { mean, sd } => [mean - 3.0 * sd, mean + 3.0 * sd],
        };
        match self {
            Distribution::Normal { .. } => [low.max(limit[0]), high.min(limit[1])],
            _ => [low, high],
        }
    }

    /// Every value written in the distribution that must lie within the key's limits (a normal's
    /// mean; its sd is checked apart).
    pub fn written_values(&self) -> Vec<f64> {
        match self {
            Distribution::Fixed(value) => vec![*value],
            Distribution::Uniform { low, high } => vec![*low, *high],
            Distribution::Choice(values) => values.clone(),
            Distribution::Normal { mean, .. } => vec![*mean],
        }
    }

    /// One draw from `rng`, within `limit` (a checked distribution's values already are).
    pub fn draw(&self, limit: [f64; 2], rng: &mut impl Rng) -> f64 {
        match self {
            Distribution::Fixed(value) => *value,
            Distribution::Uniform { low, high } if low < high => rng.random_range(*low..=*high),
            Distribution::Uniform { low, .. } => *low,
            Distribution::Choice(values) if values.is_empty() => f64::NAN,
            Distribution::Choice(values) => values[rng.random_range(0..values.len())],
            Distribution::Normal { mean, sd } => {
                let [low, high] = self.bounds(limit);
                let fallback = mean.clamp(low, high);
                let Ok(normal) = rand_distr::Normal::new(*mean, *sd) else { return fallback };
                (0..NORMAL_TRIES)
                    .map(|_| rng.sample(normal))
                    .find(|value| (low..=high).contains(value))
                    .unwrap_or(fallback)
            }
        }
    }
}

/// One value written per key, converted to the key's unit, with its position in the file.
pub type Written = BTreeMap<String, Spanned<Distribution>>;

/// Seconds as a duration, rounded to the microsecond.
pub fn duration_of_s(seconds: f64) -> SimDuration {
    SimDuration::from_us((seconds.max(0.0) * 1e6).round() as u64)
}

impl Calibration {
    /// The numeric value of `key` in its unit (seconds for timings); a radio key that is not set
    /// reads as its default.
    pub fn value(&self, key: &CalibrationKey) -> f64 {
        let seconds = |d: SimDuration| d.as_s_f64();
        match key.name {
            "poll_interval_min" => seconds(self.poll_interval_min),
            "poll_interval_max" => seconds(self.poll_interval_max),
            "lock_delay" => seconds(self.lock_delay),
            "idle_min" => seconds(self.idle_min),
            "typing_interval" => seconds(self.typing_interval),
            "page_timeout" => seconds(self.page_timeout),
            "supervision_timeout" => seconds(self.supervision_timeout),
            "coexistence_loss_db" => self.coexistence_loss_db,
            "grpr_lower_dbm" => self.grpr_lower_dbm.unwrap_or(key.default),
            "grpr_width_db" => self.grpr_width_db.unwrap_or(key.default),
            "tx_power_dbm_max" => self.tx_power_dbm_max.unwrap_or(key.default),
            "sensitivity_dbm" => self.sensitivity_dbm.unwrap_or(key.default),
            _ => f64::NAN,
        }
    }

    /// Sets the numeric `key` to `value` in its unit (seconds for timings), without checking it.
    fn set_value(&mut self, key: &CalibrationKey, value: f64) {
        match key.name {
            "poll_interval_min" => self.poll_interval_min = duration_of_s(value),
            "poll_interval_max" => self.poll_interval_max = duration_of_s(value),
            "lock_delay" => self.lock_delay = duration_of_s(value),
            "idle_min" => self.idle_min = duration_of_s(value),
            "typing_interval" => self.typing_interval = duration_of_s(value),
            "page_timeout" => self.page_timeout = duration_of_s(value),
            "supervision_timeout" => self.supervision_timeout = duration_of_s(value),
            "coexistence_loss_db" => self.coexistence_loss_db = value,
            "grpr_lower_dbm" => self.grpr_lower_dbm = Some(value),
            "grpr_width_db" => self.grpr_width_db = Some(value),
            "tx_power_dbm_max" => self.tx_power_dbm_max = Some(value),
            "sensitivity_dbm" => self.sensitivity_dbm = Some(value),
            _ => {}
        }
    }

    /// Sets `name` to the fixed `value` (its unit: seconds for timings, dB or dBm), replacing a
    /// distribution the scenario wrote, for sweeps and `radio --calibration`.
    ///
    /// # Errors
    /// The name is not a numeric calibration key, or the value is not finite or outside the
    /// key's limits.
    pub fn set_fixed(&mut self, name: &str, value: f64) -> Result<(), String> {
        let key = calibration_key(name).ok_or_else(|| {
            let hint = engine::diagnostic::suggest::did_you_mean(name, &CALIBRATION_KEY_NAMES);
            format!("`{name}` is not a calibration value ({hint})")
        })?;
        check_value(key, value)?;
        self.set_value(key, value);
        if let Some(written) = self.written.get_mut(name) {
            written.value = Distribution::Fixed(value);
        }
        Ok(())
    }

    /// This calibration for one run with master seed `seed`: every distribution drawn from its
    /// own stream, in key order. Returns the values to run with and what was drawn (key with a
    /// unit suffix for timings, `lock_delay_s`, and the value used); nothing is drawn, and the
    /// copy equals `self`, when every value is fixed.
    pub fn drawn(&self, streams: RandomStreams) -> (Calibration, BTreeMap<String, f64>) {
        let mut resolved = self.clone();
        let mut drawn = BTreeMap::new();
        for (name, written) in self.written.iter().filter(|(_, w)| w.value.is_drawn()) {
            let Some(key) = calibration_key(name) else { continue };
            let mut rng = streams.stream("calibration", name);
            resolved.set_value(key, written.value.draw(key.limit, &mut rng));
            let used = resolved.value(key);
            let label = match key.unit {
                Unit::Seconds => format!("{name}_s"),
                Unit::Db | Unit::Dbm => name.clone(),
            };
            drawn.insert(label, used);
        }
        (resolved, drawn)
    }
}

/// Checks one value against `key`'s limits: the message for a scenario or command line.
///
/// # Errors
/// `grpr_width_db must lie in [14, 26] dB, not 30`.
pub fn check_value(key: &CalibrationKey, value: f64) -> Result<(), String> {
    let [low, high] = key.limit;
    if value.is_finite() && (low..=high).contains(&value) {
        return Ok(());
    }
    let unit = key.unit.symbol();
    Err(format!("{} must lie in [{low}, {high}] {unit}, not {value}", key.name))
}

/// Deserialises `calibration:`: every key of [`CALIBRATION_KEY_NAMES`], each fixed or a
/// distribution; a fixed value also goes into the typed field, so code that reads
/// `calibration.lock_delay` sees it.
impl<'de> Deserialize<'de> for Calibration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(CalibrationVisitor)
    }
}

struct CalibrationVisitor;

impl<'de> Visitor<'de> for CalibrationVisitor {
    type Value = Calibration;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a map of calibration values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Calibration, A::Error> {
        let mut calibration = Calibration::default();
        while let Some(name) = map.next_key::<String>()? {
            if name == "link_held_between_polls" {
                calibration.link_held_between_polls = map.next_value()?;
                continue;
            }
            let Some(key) = calibration_key(&name) else {
                return Err(de::Error::unknown_field(&name, &CALIBRATION_KEY_NAMES));
            };
            let written: Spanned<Distribution> = match key.unit {
                Unit::Seconds => {
                    let spanned: Spanned<Distribution<SimDuration>> = map.next_value()?;
                    if let Distribution::Fixed(duration) = spanned.value {
                        calibration.set_duration(key.name, duration);
                    }
                    let value = spanned.value.map(SimDuration::as_s_f64);
                    Spanned::new(value, spanned.referenced, spanned.defined)
                }
                Unit::Db | Unit::Dbm => {
                    let spanned: Spanned<Distribution<f64>> = map.next_value()?;
                    if let Distribution::Fixed(value) = spanned.value {
                        calibration.set_value(key, value);
                    }
                    spanned
                }
            };
            calibration.written.insert(name, written);
        }
        Ok(calibration)
    }
}

impl Calibration {
    /// Sets a timing exactly (no round trip through seconds).
    fn set_duration(&mut self, name: &str, duration: SimDuration) {
        match name {
            "poll_interval_min" => self.poll_interval_min = duration,
            "poll_interval_max" => self.poll_interval_max = duration,
            "lock_delay" => self.lock_delay = duration,
            "idle_min" => self.idle_min = duration,
            "typing_interval" => self.typing_interval = duration,
            "page_timeout" => self.page_timeout = duration,
            "supervision_timeout" => self.supervision_timeout = duration,
            _ => {}
        }
    }
}

/// The keys a distribution is written with.
const DISTRIBUTION_KEYS: [&str; 3] = ["uniform", "choice", "normal"];

/// `{normal: {mean, sd}}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NormalParameters<T> {
    mean: T,
    sd: T,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Distribution<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DistributionVisitor(PhantomData))
    }
}

struct DistributionVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for DistributionVisitor<T> {
    type Value = Distribution<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value, {uniform: [low, high]}, {choice: [a, b]} or {normal: {mean, sd}}")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        T::deserialize(BoolDeserializer::<E>::new(v)).map(Distribution::Fixed)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        T::deserialize(I64Deserializer::<E>::new(v)).map(Distribution::Fixed)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        let v = i64::try_from(v).map_err(|_| E::custom("number too large"))?;
        self.visit_i64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        T::deserialize(F64Deserializer::<E>::new(v)).map(Distribution::Fixed)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        T::deserialize(StrDeserializer::<E>::new(v)).map(Distribution::Fixed)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some(kind) = map.next_key::<String>()? else {
            return Err(de::Error::custom("a distribution needs one of uniform, choice, normal"));
        };
        let distribution = match kind.as_str() {
            "uniform" => {
                let [low, high]: [T; 2] = map.next_value()?;
                Distribution::Uniform { low, high }
            }
            "choice" => Distribution::Choice(map.next_value()?),
            "normal" => {
                let NormalParameters { mean, sd } = map.next_value()?;
                Distribution::Normal { mean, sd }
            }
            other => return Err(de::Error::unknown_field(other, &DISTRIBUTION_KEYS)),
        };
        if map.next_key::<String>()?.is_some() {
            return Err(de::Error::custom(
                "a distribution has exactly one of uniform, choice, normal",
            ));
        }
        Ok(distribution)
    }
}
