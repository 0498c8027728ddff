//! Timestamps of RSSI logs, in seconds: epoch seconds (`date +%s.%N`), `YYYY-MM-DD
//! HH:MM:SS[.f]` (also with `T`, and a `Z` or `±HH:MM` suffix), `HH:MM:SS[.f]` (time of day),
//! `Mon DD HH:MM:SS[.f]` (moreutils `ts` and syslog, no year: read as in a non-leap year), and
//! plain relative seconds. No timezone is assumed: only differences are used.

/// Days from 1970-01-01 to the civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `HH:MM:SS[.f]` as seconds of the day.
fn time_of_day_s(text: &str) -> Option<f64> {
    let mut parts = text.splitn(3, ':');
    let hours: u32 = parts.next()?.parse().ok()?;
    let minutes: u32 = parts.next()?.parse().ok()?;
    let seconds_text = parts.next()?;
    if seconds_text.len() < 2 || !seconds_text[..2].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: f64 = seconds_text.parse().ok()?;
    (hours < 24 && minutes < 60 && (0.0..61.0).contains(&seconds))
        .then(|| f64::from(hours * 3600 + minutes * 60) + seconds)
}

/// `YYYY-MM-DD` as days since 1970-01-01.
fn date_days(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i64 = text[..4].parse().ok()?;
    let month: i64 = text[5..7].parse().ok()?;
    let day: i64 = text[8..10].parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day))
        .then(|| days_from_civil(year, month, day))
}

/// `Mon` (English abbreviation, as `ts` and syslog print it) as days before the month's first
/// day in a non-leap year.
fn month_start_days(text: &str) -> Option<i64> {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| *m == text)?;
    // 2001 is not a leap year; the offset cancels in differences.
    Some(days_from_civil(2001, month as i64 + 1, 1) - days_from_civil(2001, 1, 1))
}

/// `Mon DD HH:MM:SS[.f]` at the start of `text` (leading spaces trimmed): `(seconds, bytes
/// used)`.
fn month_day_time(text: &str) -> Option<(f64, usize)> {
    let month = text.get(..3).and_then(month_start_days)?;
    let rest = text[3..].strip_prefix(' ')?;
    let rest_trimmed = rest.trim_start_matches(' ');
    let day_end = rest_trimmed.find(' ')?;
    let day: i64 = rest_trimmed[..day_end].parse().ok().filter(|d| (1..=31).contains(d))?;
    let after_day = &rest_trimmed[day_end + 1..];
    let time_end = after_day.find([' ', ',', ']', '\t']).unwrap_or(after_day.len());
    let seconds = time_of_day_s(&after_day[..time_end])?;
    let used = text.len() - after_day.len() + time_end;
    Some(((month + day - 1) as f64 * 86_400.0 + seconds, used))
}

/// Removes a `Z` or `±HH:MM` zone suffix from a time (the zone is ignored: only differences
/// between readings of one log are used).
fn strip_zone(time: &str) -> &str {
    let time = time.strip_suffix('Z').unwrap_or(time);
    match time.rfind(['+', '-']) {
        Some(index) if index >= 8 => &time[..index],
        _ => time,
    }
}

/// A date and time `YYYY-MM-DD HH:MM:SS[.f]` (or with `T`) as seconds since 1970.
pub fn date_time_s(date: &str, time: &str) -> Option<f64> {
    let days = date_days(date)?;
    Some(days as f64 * 86_400.0 + time_of_day_s(strip_zone(time))?)
}

/// A timestamp at the start of `text` in any supported form: `(seconds, bytes used)`.
pub fn leading_timestamp(text: &str) -> Option<(f64, usize)> {
    let trimmed = text.trim_start_matches(['[', ' ']);
    let offset = text.len() - trimmed.len();
    let token_end = |s: &str| s.find([' ', ',', ']', '\t']).unwrap_or(s.len());
    let first = &trimmed[..token_end(trimmed)];
    if let Some((date, time)) = first.split_once('T')
        && let Some(seconds) = date_time_s(date, time)
    {
        return Some((seconds, offset + first.len()));
    }
    if date_days(first).is_some() {
        let rest = &trimmed[first.len()..];
        let rest_trimmed = rest.trim_start_matches([' ', ',']);
        let time = &rest_trimmed[..token_end(rest_trimmed)];
        let seconds = date_time_s(first, time)?;
        return Some((
            seconds,
            offset + first.len() + (rest.len() - rest_trimmed.len()) + time.len(),
        ));
    }
    if let Some((seconds, used)) = month_day_time(trimmed) {
        return Some((seconds, offset + used));
    }
    if let Some(seconds) = time_of_day_s(first) {
        return Some((seconds, offset + first.len()));
    }
    let seconds: f64 = first.parse().ok()?;
    (seconds.is_finite()
        && seconds >= 0.0
        && first.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    .then_some((seconds, offset + first.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_every_supported_form() {
        let day = 20_619.0 * 86_400.0; // 2026-06-15
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2026, 6, 15), 20_619);
        let cases: [(&str, Option<f64>); 11] = [
            ("Jun 15 09:00:01 [CHG]", Some(165.0 * 86_400.0 + 32_401.0)),
            ("Jan  2 00:00:00.5 x", Some(86_400.5)),
            ("Jun 32 09:00:01 x", None),
            ("2026-06-15 09:00:01.5 RSSI", Some(day + 32_401.5)),
            ("2026-06-15T09:00:01+02:00 x", Some(day + 32_401.0)),
            ("2026-06-15T09:00:01Z", Some(day + 32_401.0)),
            ("[2026-06-15 09:00:01] x", Some(day + 32_401.0)),
            ("1781514001.25 RSSI", Some(1_781_514_001.25)),
            ("09:00:01.000 RSSI", Some(32_401.0)),
            ("RSSI return value: -5", None),
            ("-5", None),
        ];
        for (text, expect) in cases {
            assert_eq!(leading_timestamp(text).map(|t| t.0), expect, "{text}");
        }
    }
}
