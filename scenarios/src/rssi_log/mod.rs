//! Recorded RSSI logs (issue 18): the documented CSV, `hcitool rssi` loop output, `btmon`
//! text traces, `bluetoothctl` scan output and bleak-style scan logs, read into one list of
//! readings for `unlocksim calibrate` and `replay`.
//!
//! Formats (detected from the text; `docs/calibrate.md` documents them with examples):
//! - CSV, header `time_s,rssi_db,distance_m,place,kind` (any order; `time_s` and `rssi_db`
//!   required): an empty `rssi_db` is a poll with no reading (connection failed); `kind` is
//!   `relative` (HCI_Read_RSSI, the default) or `dbm` (advertising RSSI).
//! - `hcitool rssi ADDR` in a loop: `RSSI return value: -5` lines, each after a timestamp on
//!   the same line or on a line of its own; hcitool's error lines (`Not connected.`, `Read RSSI
//!   failed: ...`) are polls with no reading.
//! - `btmon` text (`btmon -T`, `-t`, or the default relative seconds): `Read RSSI` replies
//!   (relative) and advertising reports (dBm), keyed by connection handle or address; ANSI
//!   colour escapes are removed; `@ MGMT` events are skipped (they repeat the HCI reports).
//! - `bluetoothctl` scan output: `[CHG] Device ADDR RSSI: -67` (or `0xffffffbd (-67)`) lines,
//!   dBm, keyed by address; other lines skipped.
//! - Scan logs as bleak (or bluetoothctl wrapper) scripts write them: a timestamp, then
//!   `RSSI: -74 dBm` or `RSSI: Device not found dBm` (a scan that missed the phone), dBm.
//!
//! Every error names the line and column; every input is bounded ([`LOG_LINES_MAX`],
//! [`LOG_READINGS_MAX`], [`LOG_DEVICES_MAX`], [`PLACE_CHARS_MAX`]; the file size by the
//! caller).

pub mod activity;
mod bleak;
mod bluetoothctl;
mod btmon;
mod csv;
mod hcitool;
mod time;

use std::collections::BTreeMap;

/// Most lines one log may have; unknown, chosen (a day of 1 s polls is 86,400), range
/// 10^5..10^7 (the 1 MiB file bound makes more unreachable for readings).
pub const LOG_LINES_MAX: usize = 1_000_000;
/// Most readings one log may hold: a day of polls every second plus margin; unknown, chosen.
pub const LOG_READINGS_MAX: usize = 200_000;
/// Most distinct devices (addresses, handles) a `btmon` trace may show; unknown, chosen.
pub const LOG_DEVICES_MAX: usize = 1_000;
/// Longest `place` name, characters; unknown, chosen.
pub const PLACE_CHARS_MAX: usize = 64;
/// Largest `distance_m`, metres: beyond any room a Bluetooth link reaches; unknown, chosen.
pub const LOG_DISTANCE_M_MAX: f64 = 10_000.0;

/// What a log's numbers are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// HCI_Read_RSSI on a BR/EDR link: dB relative to the golden receive power range, what
    /// Windows reads (0 = inside the range).
    Relative,
    /// Advertising RSSI in dBm (BLE scanners, btmon advertising reports).
    Dbm,
}

impl Quantity {
    /// `relative` or `dbm`, as in the CSV's `kind` column.
    pub fn name(self) -> &'static str {
        match self {
            Quantity::Relative => "relative",
            Quantity::Dbm => "dbm",
        }
    }
}

/// The format a log was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Csv,
    Hcitool,
    Btmon,
    Bluetoothctl,
    /// A timestamp and `RSSI: N dBm` per line, as bleak scripts write them.
    Bleak,
}

impl LogFormat {
    pub fn name(self) -> &'static str {
        match self {
            LogFormat::Csv => "csv",
            LogFormat::Hcitool => "hcitool",
            LogFormat::Btmon => "btmon",
            LogFormat::Bluetoothctl => "bluetoothctl",
            LogFormat::Bleak => "bleak",
        }
    }
}

/// One poll or report.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// Line of the log it came from (1-based).
    pub line: usize,
    /// Seconds since the log's first reading.
    pub time_s: f64,
    /// The reading, dB or dBm; `None` when the poll got no reading.
    pub rssi_db: Option<f64>,
    /// PC-phone distance, m, when the log says.
    pub distance_m: Option<f64>,
    /// The place, when the log says.
    pub place: Option<String>,
}

/// A log, read.
#[derive(Clone, Debug, PartialEq)]
pub struct RssiLog {
    pub format: LogFormat,
    pub quantity: Quantity,
    /// The device chosen from a trace of several (`btmon`), if any.
    pub device: Option<String>,
    /// In log order; times never decrease.
    pub readings: Vec<Reading>,
    /// The first reading's time as the log wrote it, seconds (readings count from it).
    pub start_s: f64,
}

/// An error at a place in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogError {
    /// 1-based line; 0 when the error concerns the whole log.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    pub message: String,
}

impl LogError {
    pub(crate) fn at(line: usize, column: usize, message: impl Into<String>) -> LogError {
        LogError { line, column, message: message.into() }
    }
}

/// How to read a log.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadOptions {
    /// Which device of a several-device trace to keep: an address or `handle N`.
    pub device: Option<String>,
}

/// Reads `text` in whichever supported format it is in.
///
/// # Errors
/// A [`LogError`] with line and column for a malformed line, a bound passed, an ambiguous
/// device (the message lists the devices), or an unrecognised format.
pub fn read_log(text: &str, options: &ReadOptions) -> Result<RssiLog, LogError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = lines(text)?;
    let first = lines.iter().find(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let Some((_, first)) = first else {
        return Err(LogError::at(1, 1, "the log holds no readings"));
    };
    let log = if first.contains("time_s") || first.contains("rssi_db") {
        csv::read(&lines)?
    } else if lines.iter().any(|(_, l)| btmon::is_frame_header(l))
        || first.starts_with("Bluetooth monitor")
    {
        btmon::read(&lines, options)?
    } else if lines.iter().any(|(_, l)| bluetoothctl::is_bluetoothctl_line(l)) {
        bluetoothctl::read(&lines, options)?
    } else if lines.iter().any(|(_, l)| hcitool::is_hcitool_line(l)) {
        hcitool::read(&lines)?
    } else if bleak::is_scan_line(first) {
        bleak::read(&lines)?
    } else {
        return Err(LogError::at(
            1,
            1,
            "unrecognised log: expected the CSV header `time_s,rssi_db,distance_m,place,kind`, \
             `hcitool rssi` output (`RSSI return value: N` lines), a btmon text trace, \
             bluetoothctl scan output (`[CHG] Device ADDR RSSI: N` lines) or a scan log \
             (`2026-06-15 09:00:01, RSSI: -74 dBm` lines)",
        ));
    };
    finish(log)
}

/// The log's lines with their numbers, `\r` and ANSI colour escapes removed, bounded.
fn lines(text: &str) -> Result<Vec<(usize, String)>, LogError> {
    let mut lines = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        if index >= LOG_LINES_MAX {
            return Err(LogError::at(
                index + 1,
                1,
                format!("more than {LOG_LINES_MAX} lines (LOG_LINES_MAX)"),
            ));
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        lines.push((index + 1, strip_ansi(line)));
    }
    Ok(lines)
}

/// Removes ANSI CSI escapes (`ESC [ ... letter`), which btmon prints even with `--color=never`.
fn strip_ansi(line: &str) -> String {
    if !line.contains('\u{1b}') {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for next in chars.by_ref() {
                    if next.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Checks the common bounds and makes times relative to the first reading.
fn finish(mut log: RssiLog) -> Result<RssiLog, LogError> {
    if log.readings.is_empty() {
        return Err(LogError::at(1, 1, "the log holds no readings"));
    }
    if log.readings.len() > LOG_READINGS_MAX {
        let line = log.readings[LOG_READINGS_MAX].line;
        return Err(LogError::at(
            line,
            1,
            format!("more than {LOG_READINGS_MAX} readings (LOG_READINGS_MAX)"),
        ));
    }
    let start = log.readings[0].time_s;
    log.start_s = start;
    let mut previous = start;
    for reading in &mut log.readings {
        if reading.time_s < previous {
            return Err(LogError::at(
                reading.line,
                1,
                format!("time goes backwards ({} s after {} s)", reading.time_s, previous),
            ));
        }
        previous = reading.time_s;
        reading.time_s -= start;
    }
    Ok(log)
}

/// Readings per device key, for logs that may hold several devices (btmon, bluetoothctl).
#[derive(Debug, Default)]
pub(crate) struct Collected {
    by_key: BTreeMap<String, (Quantity, Vec<Reading>)>,
}

impl Collected {
    /// Adds `reading` to the device `key`.
    ///
    /// # Errors
    /// At the reading's line when it would be device number [`LOG_DEVICES_MAX`] + 1.
    pub(crate) fn push(
        &mut self,
        key: &str,
        quantity: Quantity,
        reading: Reading,
    ) -> Result<(), LogError> {
        if !self.by_key.contains_key(key) && self.by_key.len() >= LOG_DEVICES_MAX {
            return Err(LogError::at(
                reading.line,
                1,
                format!("more than {LOG_DEVICES_MAX} devices (LOG_DEVICES_MAX)"),
            ));
        }
        self.by_key.entry(key.to_owned()).or_insert((quantity, Vec::new())).1.push(reading);
        Ok(())
    }

    /// The device `options` names (an address, any case, or a handle number), or the only one.
    ///
    /// # Errors
    /// Without `--device` and several devices: the list of each with its count and quantity;
    /// a named device not in the log; `empty` when there is no device at all.
    pub(crate) fn choose(
        self,
        options: &ReadOptions,
        format: LogFormat,
        empty: &str,
    ) -> Result<RssiLog, LogError> {
        let counts: BTreeMap<String, (usize, Quantity)> =
            self.by_key.iter().map(|(k, (q, r))| (k.clone(), (r.len(), *q))).collect();
        let listed = device_list(&counts);
        let wanted = options.device.as_deref().map(|d| {
            let d = d.trim();
            if d.bytes().all(|b| b.is_ascii_digit()) { format!("handle {d}") } else { d.to_owned() }
        });
        let key = match &wanted {
            Some(wanted) => self.by_key.keys().find(|k| k.eq_ignore_ascii_case(wanted)).cloned(),
            None if self.by_key.len() > 1 => {
                return Err(LogError::at(
                    0,
                    0,
                    format!("the trace holds several devices; choose one with --device: {listed}"),
                ));
            }
            None => self.by_key.keys().next().cloned(),
        };
        let Some(key) = key else {
            return Err(match wanted {
                Some(wanted) => LogError::at(
                    0,
                    0,
                    format!("device `{wanted}` is not in the trace; it has {listed}"),
                ),
                None => LogError::at(1, 1, empty),
            });
        };
        let (quantity, readings) =
            self.by_key.get(&key).cloned().unwrap_or((Quantity::Dbm, vec![]));
        Ok(RssiLog { format, quantity, device: Some(key), readings, start_s: 0.0 })
    }
}

/// Readings per device key, for the ambiguity message: `key (N readings, quantity)`.
pub(crate) fn device_list(counts: &BTreeMap<String, (usize, Quantity)>) -> String {
    counts
        .iter()
        .map(|(key, (count, quantity))| format!("{key} ({count} {})", quantity.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
