//! Intervals of activity for `unlocksim replay --activity FILE` (issue 18): where the user was,
//! for a log without a `place` column.
//!
//! A CSV with the header `from_s,to_s,activity` (in that order): each row says the user was
//! `working` (at the desk, typing: input), `idle` (at the desk, no input: a lock then is a
//! false lock) or `away` from `from_s` (included) to `to_s` (excluded), seconds on the log's
//! clock. Rows are in time order and do not overlap; a time no row covers is `away`. A BOM,
//! CRLF line ends, blank lines and `#` comment lines are accepted. Bounded by
//! [`ACTIVITY_INTERVALS_MAX`] rows and the caller's file-size bound; every error names its line
//! and column.

use super::LogError;

/// Most rows of an activity file: a day in one-second intervals is 86,400 (unknown; chosen,
/// range 10^4..10^6).
pub const ACTIVITY_INTERVALS_MAX: usize = 100_000;
/// Latest time an activity row may name, seconds: a year (unknown; chosen, range a day..10
/// years); keeps every time exactly representable in microseconds.
pub const ACTIVITY_TIME_S_MAX: f64 = 31_622_400.0;

/// What the user was doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivityKind {
    /// At the desk, typing (input; an unlock when the PC is locked).
    Working,
    /// At the desk without input.
    Idle,
    /// Not at the desk.
    Away,
}

impl ActivityKind {
    /// (active: input at the desk, seated: at the desk).
    pub fn active_seated(self) -> (bool, bool) {
        match self {
            ActivityKind::Working => (true, true),
            ActivityKind::Idle => (false, true),
            ActivityKind::Away => (false, false),
        }
    }
}

/// The intervals of an activity file, in time order.
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    /// (from_s, to_s, activity), sorted, not overlapping.
    pub intervals: Vec<(f64, f64, ActivityKind)>,
}

impl Activity {
    /// The activity at `time_s`: the interval that contains it, else away.
    pub fn at(&self, time_s: f64) -> ActivityKind {
        let after = self.intervals.partition_point(|(from_s, _, _)| *from_s <= time_s);
        match after.checked_sub(1).map(|i| self.intervals[i]) {
            Some((_, to_s, kind)) if time_s < to_s => kind,
            _ => ActivityKind::Away,
        }
    }
}

const HEADER: [&str; 3] = ["from_s", "to_s", "activity"];

/// Reads an activity file.
///
/// # Errors
/// A missing or different header, a row without three fields, a time that is not a number in
/// 0..=[`ACTIVITY_TIME_S_MAX`], `to_s` not after `from_s`, a row that starts before the
/// previous one ends, an unknown activity, or more than [`ACTIVITY_INTERVALS_MAX`] rows.
pub fn read_activity(text: &str) -> Result<Activity, LogError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'));
    let Some((line, header)) = rows.next() else {
        return Err(LogError::at(0, 0, "empty activity file: expected `from_s,to_s,activity`"));
    };
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    if names != HEADER {
        return Err(LogError::at(line, 1, "expected the header `from_s,to_s,activity`"));
    }
    let mut intervals: Vec<(f64, f64, ActivityKind)> = Vec::new();
    for (line, text) in rows {
        if intervals.len() == ACTIVITY_INTERVALS_MAX {
            return Err(LogError::at(
                line,
                1,
                format!("more than {ACTIVITY_INTERVALS_MAX} activity rows"),
            ));
        }
        let row = row(line, text)?;
        if let Some(&(_, previous_to_s, _)) = intervals.last()
            && row.0 < previous_to_s
        {
            return Err(LogError::at(
                line,
                1,
                format!("from_s {} starts before the previous row ends ({previous_to_s})", row.0),
            ));
        }
        intervals.push(row);
    }
    Ok(Activity { intervals })
}

/// One row: (from_s, to_s, activity).
fn row(line: usize, text: &str) -> Result<(f64, f64, ActivityKind), LogError> {
    let fields: Vec<(usize, &str)> = fields(text);
    if fields.len() != 3 {
        let message = format!("expected 3 fields `from_s,to_s,activity`, got {}", fields.len());
        return Err(LogError::at(line, 1, message));
    }
    let time = |(column, value): (usize, &str), name: &str| {
        value.parse::<f64>().ok().filter(|t| (0.0..=ACTIVITY_TIME_S_MAX).contains(t)).ok_or_else(
            || {
                let max = ACTIVITY_TIME_S_MAX;
                LogError::at(
                    line,
                    column,
                    format!("{name} must be seconds in 0..={max}, not `{value}`"),
                )
            },
        )
    };
    let (from_s, to_s) = (time(fields[0], "from_s")?, time(fields[1], "to_s")?);
    if to_s <= from_s {
        let message = format!("to_s {to_s} must be after from_s {from_s}");
        return Err(LogError::at(line, fields[1].0, message));
    }
    let (column, name) = fields[2];
    let kind = match name {
        "working" => ActivityKind::Working,
        "idle" => ActivityKind::Idle,
        "away" => ActivityKind::Away,
        other => {
            let hint =
                engine::diagnostic::suggest::did_you_mean(other, &["working", "idle", "away"]);
            return Err(LogError::at(line, column, format!("unknown activity `{other}`: {hint}")));
        }
    };
    Ok((from_s, to_s, kind))
}

/// The comma-separated fields of `text`, trimmed, each with its 1-based column.
fn fields(text: &str) -> Vec<(usize, &str)> {
    let mut column = 1;
    text.split(',')
        .map(|field| {
            let start = column + field.chars().take_while(|c| c.is_whitespace()).count();
            column += field.chars().count() + 1;
            (start, field.trim())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    /// The activity at each of `times`, or the error as `line:column: message`.
    fn check(text: &str, times: &[f64]) -> String {
        match read_activity(text) {
            Ok(activity) => {
                times.iter().map(|t| format!("{:?}", activity.at(*t))).collect::<Vec<_>>().join(" ")
            }
            Err(e) => format!("{}:{}: {}", e.line, e.column, e.message),
        }
    }

    #[rstest]
    #[case::intervals(
        "from_s,to_s,activity\n0,60,working\n60,120,idle\n200,300,away\n",
        &[0.0, 59.9, 60.0, 150.0, 250.0, 400.0],
        "Working Working Idle Away Away Away"
    )]
    #[case::bom_crlf_comments(
        "\u{feff}# a morning\r\nfrom_s, to_s, activity\r\n\r\n10,20,idle\r\n",
        &[5.0, 10.0, 20.0],
        "Away Idle Away"
    )]
    #[case::empty("", &[], "0:0: empty activity file: expected `from_s,to_s,activity`")]
    #[case::wrong_header("from,to,what\n", &[], "1:1: expected the header `from_s,to_s,activity`")]
    #[case::two_fields(
        "from_s,to_s,activity\n0,10\n",
        &[],
        "2:1: expected 3 fields `from_s,to_s,activity`, got 2"
    )]
    #[case::not_a_time(
        "from_s,to_s,activity\n0, ten,idle\n",
        &[],
        "2:4: to_s must be seconds in 0..=31622400, not `ten`"
    )]
    #[case::nan("from_s,to_s,activity\nNaN,1,idle\n", &[], "2:1: from_s must be seconds in 0..=31622400, not `NaN`")]
    #[case::negative("from_s,to_s,activity\n-1,1,idle\n", &[], "2:1: from_s must be seconds in 0..=31622400, not `-1`")]
    #[case::backwards("from_s,to_s,activity\n10,5,idle\n", &[], "2:4: to_s 5 must be after from_s 10")]
    #[case::overlap(
        "from_s,to_s,activity\n0,10,idle\n5,20,away\n",
        &[],
        "3:1: from_s 5 starts before the previous row ends (10)"
    )]
    #[case::unknown(
        "from_s,to_s,activity\n0,10,wroking\n",
        &[],
        "2:6: unknown activity `wroking`: did you mean `working`?"
    )]
    fn activity_files(#[case] text: &str, #[case] times: &[f64], #[case] expect: &str) {
        assert_eq!(check(text, times), expect);
    }

    #[test]
    fn too_many_rows_is_an_error_at_the_first_row_past_the_limit() {
        let mut text = String::from("from_s,to_s,activity\n");
        for i in 0..=ACTIVITY_INTERVALS_MAX {
            text.push_str(&format!("{i},{},idle\n", i + 1));
        }
        let error = read_activity(&text).expect_err("too many rows");
        assert_eq!(
            (error.line, error.message.as_str()),
            (100_002, "more than 100000 activity rows")
        );
    }
}
