//! The documented CSV: header `time_s,rssi_db,distance_m,place,kind` (columns in any order,
//! `time_s` and `rssi_db` required), `#` comment lines and blank lines skipped, no quoting.

use super::{LOG_DISTANCE_M_MAX, LogError, LogFormat, PLACE_CHARS_MAX, Quantity, Reading, RssiLog};

/// The columns the contract knows.
const COLUMNS: [&str; 5] = ["time_s", "rssi_db", "distance_m", "place", "kind"];

/// A row's fields with their 1-based columns.
fn fields(line: &str) -> Vec<(usize, &str)> {
    let mut column = 1;
    line.split(',')
        .map(|field| {
            let at = column;
            column += field.chars().count() + 1;
            (at, field)
        })
        .collect()
}

/// The header: which contract column each field is.
fn header(number: usize, line: &str) -> Result<Vec<usize>, LogError> {
    let mut indices = Vec::new();
    for (column, name) in fields(line) {
        let name = name.trim();
        let Some(index) = COLUMNS.iter().position(|c| *c == name) else {
            return Err(LogError::at(
                number,
                column,
                format!("unknown column `{name}`; the header is {}", COLUMNS.join(",")),
            ));
        };
        if indices.contains(&index) {
            return Err(LogError::at(number, column, format!("column `{name}` given twice")));
        }
        indices.push(index);
    }
    for required in [0, 1] {
        if !indices.contains(&required) {
            return Err(LogError::at(
                number,
                1,
                format!("the header must name `{}`", COLUMNS[required]),
            ));
        }
    }
    Ok(indices)
}

/// A number field: finite, within `range`.
fn number(
    (number_line, column): (usize, usize),
    text: &str,
    what: &str,
    range: std::ops::RangeInclusive<f64>,
) -> Result<f64, LogError> {
    let value: f64 = text.trim().parse().map_err(|_| {
        LogError::at(number_line, column, format!("{what}: expected a number, got `{text}`"))
    })?;
    if !value.is_finite() || !range.contains(&value) {
        return Err(LogError::at(
            number_line,
            column,
            format!("{what}: expected {}..={}, got `{text}`", range.start(), range.end()),
        ));
    }
    Ok(value)
}

/// One data row into a reading and its kind.
fn row(
    number_line: usize,
    line: &str,
    columns: &[usize],
) -> Result<(Reading, Option<Quantity>), LogError> {
    let fields = fields(line);
    if let Some((column, _)) = fields.iter().find(|(_, f)| f.trim_start().starts_with('"')) {
        return Err(LogError::at(number_line, *column, "quoted fields are not supported"));
    }
    if fields.len() != columns.len() {
        let column = line.chars().count() + 1;
        return Err(LogError::at(
            number_line,
            column.min(fields.last().map_or(1, |f| f.0)),
            format!("expected {} fields as in the header, got {}", columns.len(), fields.len()),
        ));
    }
    let mut reading =
        Reading { line: number_line, time_s: 0.0, rssi_db: None, distance_m: None, place: None };
    let mut kind = None;
    for (&index, &(column, text)) in columns.iter().zip(&fields) {
        let at = (number_line, column);
        let value = text.trim();
        match index {
            0 => reading.time_s = number(at, text, "time_s", 0.0..=1e10)?,
            1 if value.is_empty() => {}
            1 => reading.rssi_db = Some(number(at, text, "rssi_db", -128.0..=127.0)?),
            2 if value.is_empty() => {}
            2 => {
                reading.distance_m = Some(number(at, text, "distance_m", 0.0..=LOG_DISTANCE_M_MAX)?)
            }
            3 if value.is_empty() => {}
            3 if value.chars().count() > PLACE_CHARS_MAX => {
                return Err(LogError::at(
                    number_line,
                    column,
                    format!("place: at most {PLACE_CHARS_MAX} characters (PLACE_CHARS_MAX)"),
                ));
            }
            3 => reading.place = Some(value.to_owned()),
            _ => kind = parse_kind(at, value)?,
        }
    }
    Ok((reading, kind))
}

fn parse_kind((line, column): (usize, usize), value: &str) -> Result<Option<Quantity>, LogError> {
    match value {
        "" => Ok(None),
        "relative" => Ok(Some(Quantity::Relative)),
        "dbm" => Ok(Some(Quantity::Dbm)),
        other => Err(LogError::at(
            line,
            column,
            format!("kind: expected relative or dbm, got `{other}`"),
        )),
    }
}

/// Reads the CSV. Every row of one log must be of one kind.
pub(super) fn read(lines: &[(usize, String)]) -> Result<RssiLog, LogError> {
    let mut rows = lines.iter().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let Some((header_line, header_text)) = rows.next() else {
        return Err(LogError::at(1, 1, "the log holds no readings"));
    };
    let columns = header(*header_line, header_text)?;
    let mut quantity: Option<(Quantity, usize)> = None;
    let mut readings = Vec::new();
    for (number_line, text) in rows {
        let (reading, kind) = row(*number_line, text, &columns)?;
        let kind = kind.unwrap_or(Quantity::Relative);
        match quantity {
            Some((first, first_line)) if first != kind => {
                let column = fields(text)[columns.iter().position(|&i| i == 4).unwrap_or(0)].0;
                return Err(LogError::at(
                    *number_line,
                    column,
                    format!(
                        "kind {} after {} rows from line {first_line}: one log holds one \
                         quantity (relative HCI readings and advertising dBm do not mix)",
                        kind.name(),
                        first.name()
                    ),
                ));
            }
            Some(_) => {}
            None => quantity = Some((kind, *number_line)),
        }
        readings.push(reading);
        if readings.len() > super::LOG_READINGS_MAX {
            break;
        }
    }
    Ok(RssiLog {
        format: LogFormat::Csv,
        quantity: quantity.map_or(Quantity::Relative, |q| q.0),
        device: None,
        readings,
        start_s: 0.0,
    })
}
