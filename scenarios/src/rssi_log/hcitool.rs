//! `hcitool rssi ADDR` run in a loop with timestamps, e.g.
//! `while :; do echo "$(date +%s.%N) $(hcitool rssi $ADDR 2>&1)"; sleep 1; done`, or `date`
//! and `hcitool rssi` on lines of their own. `RSSI return value: N` is a reading (relative to
//! the golden range: HCI_Read_RSSI on the BR/EDR link); hcitool's error lines are polls with no
//! reading (messages as in room-assistant issues #931 and #114).

use super::time::leading_timestamp;
use super::{LogError, LogFormat, Quantity, Reading, RssiLog};

const VALUE_MARK: &str = "RSSI return value:";
/// hcitool's messages when the poll found no connection.
const FAILURES: [&str; 5] = [
    "Not connected",
    "Read RSSI failed",
    "Can't create connection",
    "Get connection info failed",
    "Device is not available",
];

/// Whether `line` is hcitool output.
pub(super) fn is_hcitool_line(line: &str) -> bool {
    line.contains(VALUE_MARK) || FAILURES.iter().any(|f| line.contains(f))
}

/// The reading of one hcitool line, `Ok(None)` for a failure line.
fn value(number: usize, line: &str) -> Result<Option<f64>, LogError> {
    let Some(index) = line.find(VALUE_MARK) else { return Ok(None) };
    let text = line[index + VALUE_MARK.len()..].trim();
    let column = line[..index + VALUE_MARK.len()].chars().count() + 2;
    let value: i16 = text.parse().map_err(|_| {
        LogError::at(number, column, format!("expected an integer reading, got `{text}`"))
    })?;
    if !(-128..=127).contains(&value) {
        return Err(LogError::at(number, column, format!("reading {value} is outside -128..=127")));
    }
    Ok(Some(f64::from(value)))
}

pub(super) fn read(lines: &[(usize, String)]) -> Result<RssiLog, LogError> {
    let mut pending_time: Option<f64> = None;
    let mut readings = Vec::new();
    for (number, line) in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let stamp = leading_timestamp(trimmed);
        if !is_hcitool_line(trimmed) {
            match stamp {
                Some((time_s, used)) if trimmed[used..].trim().is_empty() => {
                    pending_time = Some(time_s);
                    continue;
                }
                _ => {
                    return Err(LogError::at(
                        *number,
                        1,
                        format!(
                            "unrecognised line `{}`: expected a timestamp, `RSSI return value: \
                             N` or an hcitool error",
                            trimmed.chars().take(60).collect::<String>()
                        ),
                    ));
                }
            }
        }
        let time_s = stamp.map(|s| s.0).or(pending_time.take()).ok_or_else(|| {
            LogError::at(
                *number,
                1,
                "a reading without a timestamp: print one before each poll (`date +%s.%N`)",
            )
        })?;
        let rssi_db = value(*number, line)?;
        readings.push(Reading { line: *number, time_s, rssi_db, distance_m: None, place: None });
        if readings.len() > super::LOG_READINGS_MAX {
            break;
        }
    }
    Ok(RssiLog {
        format: LogFormat::Hcitool,
        quantity: Quantity::Relative,
        device: None,
        readings,
        start_s: 0.0,
    })
}
