//! One-device scan logs written by a script around a BLE scanner: a timestamp, then
//! `RSSI: N dBm`, one line per scan, as a `bleak` script writes them
//! (`2026-06-15 09:00:01, RSSI: -74 dBm`) and as a `bluetoothctl` wrapper writes them
//! (`2026-06-15 09:00:01 - RSSI: -74 dBm`). Advertising RSSI in dBm.
//!
//! - `RSSI: Device not found dBm` and `Device not found.` are scans that missed the phone: a
//!   poll with no reading.
//! - `RSSI: Device out of range dBm` is the script's note that the previous reading crossed its
//!   threshold (same timestamp): skipped, it is not a scan.
//! - Blank lines and `#` comments are skipped; any other line is an error.

use super::time::leading_timestamp;
use super::{LogError, LogFormat, Quantity, Reading, RssiLog};

const VALUE_MARK: &str = "RSSI:";
const NOT_FOUND: &str = "Device not found";
const OUT_OF_RANGE: &str = "Device out of range";

/// What one line says.
#[derive(Debug, PartialEq)]
enum Line {
    Reading(f64),
    Missed,
    Note,
}

/// The text after a line's timestamp and separator (`,`, `-`, `:` or spaces), with its byte
/// offset; `None` when the line does not start with a timestamp.
fn after_timestamp(line: &str) -> Option<(usize, &str)> {
    let (_, used) = leading_timestamp(line)?;
    let rest = line[used..].trim_start_matches([' ', '\t', ',', '-', ':', ';']);
    Some((line.len() - rest.len(), rest))
}

/// Whether `line` is a scan-log line.
pub(super) fn is_scan_line(line: &str) -> bool {
    after_timestamp(line.trim())
        .is_some_and(|(_, rest)| rest.starts_with(VALUE_MARK) || rest.starts_with(NOT_FOUND))
}

/// What the text after the timestamp says; `column` is where it starts (1-based).
fn classify(number: usize, column: usize, rest: &str) -> Result<Line, LogError> {
    let Some(value) = rest.strip_prefix(VALUE_MARK) else {
        if rest.starts_with(NOT_FOUND) {
            return Ok(Line::Missed);
        }
        return Err(LogError::at(
            number,
            column,
            format!(
                "unrecognised line: expected `RSSI: N dBm` or `Device not found` after the \
                 timestamp, got `{}`",
                rest.chars().take(40).collect::<String>()
            ),
        ));
    };
    let value_column = column + VALUE_MARK.len() + (value.len() - value.trim_start().len());
    let value = value.trim();
    let value = value.strip_suffix("dBm").unwrap_or(value).trim();
    if value.starts_with(NOT_FOUND) {
        return Ok(Line::Missed);
    }
    if value.starts_with(OUT_OF_RANGE) {
        return Ok(Line::Note);
    }
    let refuse = |why: String| LogError::at(number, value_column, why);
    let rssi: f64 = value.parse().map_err(|_| {
        refuse(format!("expected an RSSI in dBm or `Device not found`, got `{value}`"))
    })?;
    if !(-128.0..=127.0).contains(&rssi) {
        return Err(refuse(format!("RSSI {value} is outside -128..=127")));
    }
    Ok(Line::Reading(rssi))
}

pub(super) fn read(lines: &[(usize, String)]) -> Result<RssiLog, LogError> {
    let mut readings = Vec::new();
    for (number, line) in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let Some((offset, rest)) = after_timestamp(trimmed) else {
            return Err(LogError::at(
                *number,
                1,
                format!(
                    "expected a timestamp (`2026-06-15 09:00:01`) at the start of `{}`",
                    trimmed.chars().take(40).collect::<String>()
                ),
            ));
        };
        let column = line[..indent + offset].chars().count() + 1;
        let time_s = leading_timestamp(trimmed).map_or(0.0, |t| t.0);
        let rssi_db = match classify(*number, column, rest)? {
            Line::Reading(value) => Some(value),
            Line::Missed => None,
            Line::Note => continue,
        };
        readings.push(Reading { line: *number, time_s, rssi_db, distance_m: None, place: None });
        if readings.len() > super::LOG_READINGS_MAX {
            break;
        }
    }
    Ok(RssiLog {
        format: LogFormat::Bleak,
        quantity: Quantity::Dbm,
        device: None,
        readings,
        start_s: 0.0,
    })
}
