//! Virtual time: integer microseconds, never floats, never the wall clock.
//!
//! [`SimTime`] is an instant since the start of a run; [`SimDuration`] is a span. Both are `u64`
//! microseconds. Durations are written and read as `250ms`, `30s`, `5m`, `1h30m`, `2d`.

use std::fmt;
use std::str::FromStr;

const US_PER_MS: u64 = 1_000;
const US_PER_S: u64 = 1_000_000;
const US_PER_M: u64 = 60 * US_PER_S;
const US_PER_H: u64 = 60 * US_PER_M;
const US_PER_D: u64 = 24 * US_PER_H;

/// The units a duration may be written in, largest first, as (suffix, microseconds).
const UNITS: [(&str, u64); 7] = [
    ("d", US_PER_D),
    ("h", US_PER_H),
    ("m", US_PER_M),
    ("s", US_PER_S),
    ("ms", US_PER_MS),
    ("us", 1),
    ("µs", 1),
];

/// The longest duration the parser accepts: 1000 days. Anything longer in a scenario is a typo,
/// and the bound keeps every derived loop (polls, samples) finite.
pub const DURATION_US_MAX: u64 = 1000 * US_PER_D;

/// The longest duration text the parser reads, in bytes.
pub const DURATION_TEXT_BYTES_MAX: usize = 64;

/// A span of virtual time in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

/// An instant of virtual time: microseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    pub const fn from_us(us: u64) -> SimDuration {
        SimDuration(us)
    }
    pub const fn from_ms(ms: u64) -> SimDuration {
        SimDuration(ms * US_PER_MS)
    }
    pub const fn from_s(s: u64) -> SimDuration {
        SimDuration(s * US_PER_S)
    }
    pub const fn from_m(m: u64) -> SimDuration {
        SimDuration(m * US_PER_M)
    }
    pub const fn from_h(h: u64) -> SimDuration {
        SimDuration(h * US_PER_H)
    }
    pub const fn as_us(self) -> u64 {
        self.0
    }
    /// Seconds as a float, for reports and statistics only (never for scheduling).
    pub fn as_s_f64(self) -> f64 {
        self.0 as f64 / US_PER_S as f64
    }
    pub fn saturating_add(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }
    pub fn checked_mul(self, factor: u64) -> Option<SimDuration> {
        self.0.checked_mul(factor).map(SimDuration)
    }

    /// Parses `250ms`, `30s`, `5m`, `1h30m`, `2d`, `1500us` or a bare `0`.
    ///
    /// Components must appear largest unit first, each at most once; the total must not exceed
    /// [`DURATION_US_MAX`].
    pub fn parse(text: &str) -> Result<SimDuration, DurationParseError> {
        let err = |kind| Err(DurationParseError { text: truncate(text), kind });
        if text.len() > DURATION_TEXT_BYTES_MAX {
            return err(DurationErrorKind::TooLong);
        }
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return err(DurationErrorKind::Empty);
        }
        if trimmed == "0" {
            return Ok(SimDuration::ZERO);
        }
        if trimmed.starts_with('-') {
            return err(DurationErrorKind::Negative);
        }
        let mut rest = trimmed;
        let mut total_us: u64 = 0;
        let mut last_unit_index: Option<usize> = None;
        while !rest.is_empty() {
            let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits_len == 0 {
                return err(DurationErrorKind::ExpectedNumber);
            }
            let (digits, after) = rest.split_at(digits_len);
            if after.starts_with('.') {
                return err(DurationErrorKind::Fraction);
            }
            let unit_len =
                after.chars().take_while(|c| c.is_alphabetic()).map(char::len_utf8).sum();
            let (unit, after_unit) = after.split_at(unit_len);
            if unit.is_empty() {
                return err(DurationErrorKind::MissingUnit);
            }
            let Some(unit_index) = UNITS.iter().position(|(suffix, _)| *suffix == unit) else {
                return err(DurationErrorKind::UnknownUnit(unit.to_string()));
            };
            // "us" and "µs" are the same unit.
            let unit_rank = unit_index.min(5);
            if last_unit_index.is_some_and(|last| unit_rank <= last) {
                return err(DurationErrorKind::UnitOrder);
            }
            last_unit_index = Some(unit_rank);
            let value: u64 = digits.parse().map_err(|_| DurationParseError {
                text: truncate(text),
                kind: DurationErrorKind::TooLarge,
            })?;
            let part_us = value.checked_mul(UNITS[unit_index].1);
            total_us = match part_us.and_then(|p| total_us.checked_add(p)) {
                Some(t) => t,
                None => return err(DurationErrorKind::TooLarge),
            };
            rest = after_unit;
        }
        if total_us > DURATION_US_MAX {
            return err(DurationErrorKind::TooLarge);
        }
        Ok(SimDuration(total_us))
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(DURATION_TEXT_BYTES_MAX).collect()
}

/// A duration in seconds as a person reads it: `0.35 s` under 10 s, `46.4 s` under a minute,
/// `1 m 02 s` under an hour, `2 h 05 m` beyond; negative or non-finite values as `0 s`.
pub fn human_s(seconds: f64) -> String {
    if !seconds.is_finite() || seconds <= 0.0 {
        return "0 s".into();
    }
    if seconds < 10.0 {
        return format!("{seconds:.2} s");
    }
    if seconds < 59.95 {
        return format!("{seconds:.1} s");
    }
    let whole_s = seconds.round() as u64;
    if whole_s < 3600 {
        return format!("{} m {:02} s", whole_s / 60, whole_s % 60);
    }
    let whole_m = (seconds / 60.0).round() as u64;
    format!("{} h {:02} m", whole_m / 60, whole_m % 60)
}

impl fmt::Display for SimDuration {
    /// The canonical form: largest units first, zero components left out (`1h30m`, `250ms`,
    /// `0s`). Parsing the output gives back the same duration.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for (suffix, unit_us) in UNITS.iter().take(6) {
            let count = rest / unit_us;
            if count > 0 {
                write!(f, "{count}{suffix}")?;
                rest %= unit_us;
            }
        }
        Ok(())
    }
}

impl FromStr for SimDuration {
    type Err = DurationParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SimDuration::parse(s)
    }
}

impl serde::Serialize for SimDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for SimDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SimDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as `250ms`, `30s`, `5m` or `1h30m`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SimDuration, E> {
                SimDuration::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<SimDuration, E> {
                if v == 0 {
                    Ok(SimDuration::ZERO)
                } else {
                    Err(E::custom(format!(
                        "a bare number `{v}` has no unit: write `{v}s`, `{v}ms` or `{v}m`"
                    )))
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<SimDuration, E> {
                if v < 0 {
                    Err(E::custom("a duration cannot be negative"))
                } else {
                    self.visit_u64(v as u64)
                }
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<SimDuration, E> {
                Err(E::custom(format!(
                    "`{v}` is not a duration: write whole units such as `1500ms` or `2m30s`"
                )))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_us(us: u64) -> SimTime {
        SimTime(us)
    }
    pub const fn as_us(self) -> u64 {
        self.0
    }
    /// Seconds since the start, as a float, for reports only.
    pub fn as_s_f64(self) -> f64 {
        self.0 as f64 / US_PER_S as f64
    }
    /// The time elapsed since the start of the run.
    pub const fn since_start(self) -> SimDuration {
        SimDuration(self.0)
    }
    /// `self + duration`, saturating at [`SimTime::MAX`].
    pub fn saturating_add(self, duration: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(duration.0))
    }
    pub fn checked_add(self, duration: SimDuration) -> Option<SimTime> {
        self.0.checked_add(duration.0).map(SimTime)
    }
    /// The span from `earlier` to `self`, or zero when `earlier` is later.
    pub fn saturating_duration_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl fmt::Display for SimTime {
    /// Printed as the duration since the start, prefixed with `t=`: `t=1h30m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={}", self.since_start())
    }
}

/// A duration that could not be parsed, with the offending text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration `{text}`: {kind}")]
pub struct DurationParseError {
    pub text: String,
    pub kind: DurationErrorKind,
}

/// Why a duration could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationErrorKind {
    #[error("it is empty; write e.g. `30s`")]
    Empty,
    #[error("it is longer than {DURATION_TEXT_BYTES_MAX} bytes")]
    TooLong,
    #[error("a duration cannot be negative")]
    Negative,
    #[error("expected a whole number followed by a unit (d, h, m, s, ms, us)")]
    ExpectedNumber,
    #[error("fractions are not allowed: write `1500ms` instead of `1.5s`")]
    Fraction,
    #[error("the number has no unit: add one of d, h, m, s, ms, us")]
    MissingUnit,
    #[error("unknown unit `{0}`: use d, h, m, s, ms or us")]
    UnknownUnit(String),
    #[error("units must go from largest to smallest, each at most once (e.g. `1h30m`)")]
    UnitOrder,
    #[error("it exceeds the maximum of 1000 days")]
    TooLarge,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("0", 0)]
    #[case("0s", 0)]
    #[case("250ms", 250_000)]
    #[case("30s", 30_000_000)]
    #[case("5m", 300_000_000)]
    #[case("1h30m", 5_400_000_000)]
    #[case("2d", 172_800_000_000)]
    #[case("1500us", 1_500)]
    #[case("1m30s250ms", 90_250_000)]
    #[case(" 45s ", 45_000_000)]
    #[case("1000d", DURATION_US_MAX)]
    fn parses(#[case] text: &str, #[case] expected_us: u64) {
        assert_eq!(SimDuration::parse(text), Ok(SimDuration::from_us(expected_us)));
    }

    #[rstest]
    #[case("", "invalid duration ``: it is empty; write e.g. `30s`")]
    #[case("-5s", "invalid duration `-5s`: a duration cannot be negative")]
    #[case(
        "1.5s",
        "invalid duration `1.5s`: fractions are not allowed: write `1500ms` instead of `1.5s`"
    )]
    #[case("30", "invalid duration `30`: the number has no unit: add one of d, h, m, s, ms, us")]
    #[case("30x", "invalid duration `30x`: unknown unit `x`: use d, h, m, s, ms or us")]
    #[case(
        "30m1h",
        "invalid duration `30m1h`: units must go from largest to smallest, each at most once (e.g. `1h30m`)"
    )]
    #[case(
        "5s5s",
        "invalid duration `5s5s`: units must go from largest to smallest, each at most once (e.g. `1h30m`)"
    )]
    #[case("1001d", "invalid duration `1001d`: it exceeds the maximum of 1000 days")]
    #[case(
        "99999999999999999999s",
        "invalid duration `99999999999999999999s`: it exceeds the maximum of 1000 days"
    )]
    #[case(
        "s",
        "invalid duration `s`: expected a whole number followed by a unit (d, h, m, s, ms, us)"
    )]
    fn rejects(#[case] text: &str, #[case] message: &str) {
        assert_eq!(SimDuration::parse(text).unwrap_err().to_string(), message);
    }

    #[test]
    fn rejects_overlong_text() {
        let text = "1s".repeat(40);
        assert_eq!(SimDuration::parse(&text).unwrap_err().kind, DurationErrorKind::TooLong);
    }

    #[rstest]
    #[case(0, "0s")]
    #[case(250_000, "250ms")]
    #[case(5_400_000_000, "1h30m")]
    #[case(90_000_001, "1m30s1us")]
    #[case(86_400_000_000, "1d")]
    fn displays(#[case] us: u64, #[case] text: &str) {
        assert_eq!(SimDuration::from_us(us).to_string(), text);
    }

    proptest::proptest! {
        #[test]
        fn display_round_trips(us in 0..=DURATION_US_MAX) {
            let duration = SimDuration::from_us(us);
            proptest::prop_assert_eq!(SimDuration::parse(&duration.to_string()), Ok(duration));
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,80}") {
            let _ = SimDuration::parse(&text);
        }
    }
}
