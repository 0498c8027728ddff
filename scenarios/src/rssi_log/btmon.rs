//! `btmon` text traces (BlueZ 5). A frame starts with a header line (`<`, `>`, `@` or `=` in
//! column 1) whose right-hand end holds the time: `#N 2020-06-12 09:25:57.131054` (`-T`),
//! `#N [hci0] 12.345678` (relative seconds) or a time of day (`-t`). Readings:
//! - `Read RSSI (0x05|0x0005)` command-complete events: `Handle: N`, `RSSI: -5 dBm (0xfb)`,
//!   relative to the golden range on a BR/EDR link; a failed status is a poll with no reading.
//! - Advertising and inquiry reports (`LE Meta Event`, `Inquiry Result`): `Address: X`,
//!   `RSSI: -58 dBm (0xc6)` in dBm; `invalid` or 127 means "not available".
//!
//! `@ MGMT` frames repeat the HCI reports and are skipped.

use super::time::{date_time_s, leading_timestamp};
use super::{Collected, LogError, LogFormat, Quantity, ReadOptions, Reading, RssiLog};

/// Whether `line` is a btmon frame header.
pub(super) fn is_frame_header(line: &str) -> bool {
    let mut chars = line.chars();
    matches!(chars.next(), Some('<' | '>' | '@' | '=')) && chars.next() == Some(' ')
}

/// The time at the right-hand end of a frame header, seconds.
fn header_time_s(line: &str) -> Option<f64> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let last = *tokens.last()?;
    let before = tokens.len().checked_sub(2).map(|i| tokens[i]);
    if let Some(seconds) = before.and_then(|date| date_time_s(date, last)) {
        return Some(seconds);
    }
    if before.is_some_and(|b| b.starts_with("[hci") || b.starts_with('#')) {
        let seconds: f64 = last.parse().ok()?;
        return seconds.is_finite().then_some(seconds);
    }
    // `btmon -t`: a time of day only.
    leading_timestamp(last)
        .filter(|(_, used)| last.contains(':') && *used == last.len())
        .map(|(s, _)| s)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameKind {
    /// A command complete that may turn out to be Read RSSI.
    CommandComplete,
    ReadRssi,
    Advertising,
    Other,
}

/// The frame being read.
#[derive(Debug)]
struct Frame {
    kind: FrameKind,
    time_s: f64,
    status_ok: bool,
    key: Option<String>,
    /// A Read RSSI reply's reading was emitted.
    emitted: bool,
}

/// The frame a header line starts.
fn start_frame(number: usize, line: &str) -> Result<Option<Frame>, LogError> {
    if line.starts_with('@') || line.contains("MGMT") {
        return Ok(None);
    }
    let time_s = header_time_s(line).ok_or_else(|| {
        LogError::at(number, line.chars().count().max(1), "a btmon frame header without a time")
    })?;
    let kind = if line.contains("Command Complete") {
        FrameKind::CommandComplete
    } else if line.contains("LE Meta Event") || line.contains("Inquiry Result") {
        FrameKind::Advertising
    } else {
        FrameKind::Other
    };
    Ok(Some(Frame { kind, time_s, status_ok: true, key: None, emitted: false }))
}

/// The value of an `RSSI:` line; `None` when "not available".
fn rssi_value(number: usize, line: &str, body: &str) -> Result<Option<f64>, LogError> {
    let column = line.len() - line.trim_start().len() + "RSSI: ".len() + 1;
    let text = body.split_whitespace().next().unwrap_or("");
    if text == "invalid" {
        return Ok(None);
    }
    let value: i16 = text.parse().map_err(|_| {
        LogError::at(number, column, format!("expected an RSSI in dB, got `{text}`"))
    })?;
    if !(-128..=127).contains(&value) {
        return Err(LogError::at(number, column, format!("RSSI {value} is outside -128..=127")));
    }
    Ok((value != 127).then_some(f64::from(value)))
}

/// One body line of `frame`.
fn body_line(
    frame: &mut Frame,
    collected: &mut Collected,
    number: usize,
    line: &str,
) -> Result<(), LogError> {
    let body = line.trim();
    if frame.kind == FrameKind::CommandComplete && body.starts_with("Read RSSI (0x05|0x0005)") {
        frame.kind = FrameKind::ReadRssi;
    } else if let Some(status) = body.strip_prefix("Status:") {
        frame.status_ok = status.contains("Success");
    } else if let Some(handle) = body.strip_prefix("Handle:") {
        frame.key = Some(format!("handle {}", handle.split_whitespace().next().unwrap_or("")));
    } else if let Some(address) = body.strip_prefix("Address:") {
        frame.key = address.split_whitespace().next().map(str::to_owned);
    } else if body.starts_with("Entry ") {
        frame.key = None;
    } else if let Some(rest) = body.strip_prefix("RSSI:") {
        let quantity = match frame.kind {
            FrameKind::ReadRssi => Quantity::Relative,
            FrameKind::Advertising => Quantity::Dbm,
            _ => return Ok(()),
        };
        let Some(key) = frame.key.clone() else {
            return Err(LogError::at(number, 1, "an RSSI line without an address or handle"));
        };
        let value = rssi_value(number, line, rest.trim())?;
        let rssi_db = if frame.status_ok { value } else { None };
        frame.emitted = true;
        let reading =
            Reading { line: number, time_s: frame.time_s, rssi_db, distance_m: None, place: None };
        collected.push(&key, quantity, reading)?;
    }
    Ok(())
}

/// A Read RSSI reply that failed without printing an RSSI: a poll with no reading.
fn end_frame(frame: Option<Frame>, collected: &mut Collected, line: usize) -> Result<(), LogError> {
    if let Some(frame) = frame
        && frame.kind == FrameKind::ReadRssi
        && !frame.emitted
        && let Some(key) = frame.key
    {
        let reading =
            Reading { line, time_s: frame.time_s, rssi_db: None, distance_m: None, place: None };
        collected.push(&key, Quantity::Relative, reading)?;
    }
    Ok(())
}

pub(super) fn read(lines: &[(usize, String)], options: &ReadOptions) -> Result<RssiLog, LogError> {
    let mut collected = Collected::default();
    let mut frame: Option<Frame> = None;
    let mut frame_line = 0;
    for (number, line) in lines {
        if is_frame_header(line) {
            end_frame(frame.take(), &mut collected, frame_line)?;
            frame = start_frame(*number, line)?;
            frame_line = *number;
        } else if let Some(frame) = frame.as_mut() {
            body_line(frame, &mut collected, *number, line)?;
        }
    }
    end_frame(frame.take(), &mut collected, frame_line)?;
    collected.choose(
        options,
        LogFormat::Btmon,
        "the btmon trace holds no RSSI readings (Read RSSI or reports)",
    )
}
