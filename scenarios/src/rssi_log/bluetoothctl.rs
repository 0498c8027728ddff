//! `bluetoothctl` scan output (BlueZ 5: `bluetoothctl` then `scan on`, or `bluetoothctl
//! --timeout N scan on`), saved with `tee`, `script` or a timestamping filter. Readings are the
//! `[CHG] Device AA:BB:CC:DD:EE:FF RSSI: -67` lines; newer BlueZ prints the value as
//! `RSSI: 0xffffffb5 (-75)` (the sign-extended hex, then the decimal). Both are advertising
//! RSSI in dBm.
//!
//! Time: a timestamp at the start of the line (any form of `time.rs`) or on a line of its own
//! applies to the readings after it; readings before any timestamp are at 0 s (calibrate does
//! not use time; replay refuses dBm logs). Every other line (`[NEW]`, `[DEL]`, other `[CHG]`
//! properties, prompts, hex dumps, `Discovery started`) is skipped. ANSI colour escapes are
//! removed by the caller, and readline's prompt markers (`\x01`, `\x02`) here.
//!
//! bluetoothctl prints an RSSI only when it changes (a D-Bus PropertiesChanged signal), so a
//! steady signal is logged once, and a missed advertisement is not logged at all.

use super::time::leading_timestamp;
use super::{Collected, LogError, LogFormat, Quantity, ReadOptions, Reading, RssiLog};

const CHANGE_MARK: &str = "[CHG] Device ";
const VALUE_MARK: &str = " RSSI: ";

/// Whether `line` is a bluetoothctl RSSI change line.
pub(super) fn is_bluetoothctl_line(line: &str) -> bool {
    line.find(CHANGE_MARK).is_some_and(|index| line[index..].contains(VALUE_MARK))
}

/// `-67` or `0xffffffb5 (-75)` as dBm; `None` for 127 (HCI's "not available").
fn value(number: usize, column: usize, text: &str) -> Result<Option<f64>, LogError> {
    let text = text.trim();
    let refuse = |why: String| LogError::at(number, column, why);
    let decimal = match text.strip_prefix("0x") {
        Some(rest) => {
            let (hex, paren) = rest.split_once(' ').unwrap_or((rest, ""));
            let paren = paren.trim();
            let inner = paren.strip_prefix('(').and_then(|p| p.strip_suffix(')'));
            let bits = u32::from_str_radix(hex, 16).ok();
            match (bits, inner) {
                (Some(bits), Some(inner))
                    if inner.parse::<i64>().ok() == Some(bits as i32 as i64) =>
                {
                    inner
                }
                _ => {
                    return Err(refuse(format!(
                        "expected an RSSI as `-67` or `0xffffffbd (-67)`, got `{text}`"
                    )));
                }
            }
        }
        None => text,
    };
    let value: i64 = decimal.parse().map_err(|_| {
        refuse(format!("expected an RSSI as `-67` or `0xffffffbd (-67)`, got `{text}`"))
    })?;
    if !(-128..=127).contains(&value) {
        return Err(refuse(format!("RSSI {value} is outside -128..=127")));
    }
    Ok((value != 127).then_some(value as f64))
}

/// One line: its time (if it starts with one) and, for an RSSI line, the device and value.
type Parsed = (Option<f64>, Option<(String, Option<f64>)>);

fn parse_line(number: usize, line: &str) -> Result<Parsed, LogError> {
    let Some(index) = line.find(CHANGE_MARK) else {
        let stamp = leading_timestamp(line.trim())
            .filter(|(_, used)| line.trim()[*used..].trim().is_empty());
        return Ok((stamp.map(|s| s.0), None));
    };
    let before = line[..index].trim();
    let stamp = leading_timestamp(before).map(|s| s.0);
    let after = &line[index + CHANGE_MARK.len()..];
    let Some(value_at) = after.find(VALUE_MARK) else { return Ok((stamp, None)) };
    let address = after[..value_at].trim();
    if address.is_empty() || address.contains(' ') {
        return Ok((stamp, None));
    }
    let text = &after[value_at + VALUE_MARK.len()..];
    let column = line[..line.len() - text.len()].chars().count() + 1;
    let rssi_db = value(number, column, text)?;
    Ok((stamp, Some((address.to_owned(), rssi_db))))
}

pub(super) fn read(lines: &[(usize, String)], options: &ReadOptions) -> Result<RssiLog, LogError> {
    let mut collected = Collected::default();
    let mut time_s = 0.0;
    let mut readings = 0usize;
    for (number, line) in lines {
        // `script` keeps the carriage returns bluetoothctl prints to redraw its prompt.
        let line: String = line
            .chars()
            .filter(|c| !matches!(c, '\u{1}' | '\u{2}'))
            .map(|c| if c == '\r' { ' ' } else { c })
            .collect();
        let (stamp, reading) = parse_line(*number, &line)?;
        if let Some(stamp) = stamp {
            time_s = stamp;
        }
        if let Some((address, rssi_db)) = reading {
            let reading = Reading { line: *number, time_s, rssi_db, distance_m: None, place: None };
            collected.push(&address, Quantity::Dbm, reading)?;
            readings += 1;
            if readings > super::LOG_READINGS_MAX {
                break;
            }
        }
    }
    collected.choose(
        options,
        LogFormat::Bluetoothctl,
        "the bluetoothctl log holds no `[CHG] Device ... RSSI:` lines",
    )
}
