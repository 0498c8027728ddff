//! Intune custom OMA-URI rows as an administrator types them into a custom profile: one block
//! per setting with `OMA-URI:`, `Data type:` (`String`, `Boolean` or `Integer`) and `Value:`.
//! PassportForWork CSP: GroupA, GroupB and both Plugins are chr (String); DynamicLock is bool.

use std::ops::Range;

use super::{Assignment, FORM_VALUE_BYTES_MAX, FORM_VALUES_MAX, OMA_URI_ROOT, Setting, Value};
use crate::diagnostic::{Diagnostic, SourceFile};

/// The setting an OMA-URI names (case-insensitive; `./Vendor/...` is the device scope too).
pub fn setting_of(uri: &str) -> Option<Setting> {
    let uri = uri.trim();
    Setting::ALL.into_iter().find(|s| {
        s.oma_uri().eq_ignore_ascii_case(uri)
            || s.oma_uri().replacen("./Device/", "./", 1).eq_ignore_ascii_case(uri)
    })
}

/// Why an OMA-URI that is not one of ours is reported (a warning), or `None` to skip silently.
pub fn other_uri(uri: &str) -> String {
    if uri.to_ascii_lowercase().contains("passportforwork") {
        format!("`{uri}` is a PassportForWork node other than the five unlock settings; ignored")
    } else {
        format!("`{uri}` is not a PassportForWork unlock setting; ignored")
    }
}

/// A value of a row, typed by the row's data type.
pub fn typed_value(setting: Setting, data_type: &str, text: &str) -> Result<Value, String> {
    let data_type = data_type.trim().to_ascii_lowercase();
    match (setting.is_dword(), data_type.as_str()) {
        (false, "string" | "chr") => Ok(Value::Text(text.to_string())),
        (true, "boolean" | "bool") => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Number(1)),
            "false" => Ok(Value::Number(0)),
            other => Err(format!("`{other}` is not a Boolean (true or false)")),
        },
        (true, "integer" | "int") => text.trim().parse().map(Value::Number).map_err(|_| {
            format!("`{}` is not an integer", text.trim().chars().take(20).collect::<String>())
        }),
        (dword, _) => Err(format!(
            "`{}` takes the data type {}, not `{data_type}`",
            setting.path(),
            if dword { "Boolean" } else { "String" }
        )),
    }
}

/// A row being read: each field's text and where it starts.
#[derive(Default)]
struct Row {
    uri: Option<(String, Range<usize>)>,
    data_type: Option<String>,
    value: Option<(String, Range<usize>)>,
}

/// The assignments the rows make.
pub fn read(source: &SourceFile) -> (Vec<Assignment>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut rows = vec![Row::default()];
    let mut offset = 0;
    for raw in source.text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\r', '\n']);
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((field, rest)) = line.split_once(':') else {
            diagnostics.push(syntax(source, start..start + line.len(), "a line without `Field:`"));
            continue;
        };
        let text = rest.strip_prefix(' ').unwrap_or(rest).to_string();
        let value_at = start + line.len() - text.len();
        let span = value_at..start + line.len();
        let field_name = field.trim().to_ascii_lowercase();
        if field_name == "oma-uri" && rows.last().is_some_and(|r| r.uri.is_some()) {
            rows.push(Row::default());
        }
        let Some(row) = rows.last_mut() else { break };
        match field_name.as_str() {
            "oma-uri" => row.uri = Some((text, span)),
            "data type" => row.data_type = Some(text),
            "value" => row.value = Some((text, span)),
            "name" | "description" => {}
            _ => diagnostics.push(syntax(source, start..start + field.len(), "an unknown field")),
        }
        if rows.len() > FORM_VALUES_MAX {
            diagnostics.push(
                Diagnostic::error(
                    "forms::too-many-values",
                    format!("more than {FORM_VALUES_MAX} rows"),
                )
                .at(source, start..start + line.len()),
            );
            break;
        }
    }
    let assignments = rows.iter().filter_map(|r| row(r, source, &mut diagnostics)).collect();
    (assignments, diagnostics)
}

fn syntax(source: &SourceFile, at: Range<usize>, what: &str) -> Diagnostic {
    Diagnostic::error("forms::csp-syntax", format!("{what} in an OMA-URI row"))
        .at(source, at)
        .with_hint("each row is `OMA-URI: ...`, `Data type: String|Boolean|Integer`, `Value: ...`")
}

fn row(row: &Row, source: &SourceFile, diagnostics: &mut Vec<Diagnostic>) -> Option<Assignment> {
    let (uri, uri_at) = row.uri.as_ref()?;
    let Some(setting) = setting_of(uri) else {
        diagnostics.push(
            Diagnostic::warning("forms::other-setting", other_uri(uri)).at(source, uri_at.clone()),
        );
        return None;
    };
    let Some((text, span)) = &row.value else {
        diagnostics.push(syntax(source, uri_at.clone(), "no `Value:`"));
        return None;
    };
    if text.len() > FORM_VALUE_BYTES_MAX {
        diagnostics.push(super::registry::too_long(setting, source, span.clone()));
        return None;
    }
    let data_type = row.data_type.as_deref().unwrap_or("");
    match typed_value(setting, data_type, text) {
        Ok(value) => Some(Assignment { setting, value, span: span.clone() }),
        Err(message) => {
            diagnostics.push(
                Diagnostic::error("forms::wrong-type", message).at(source, span.clone()).with_hint(
                    "PassportForWork CSP: GroupA, GroupB, Plugins are String; \
                    DynamicLock is Boolean",
                ),
            );
            None
        }
    }
}

/// The values as OMA-URI rows.
pub fn write(values: &[(Setting, Value)]) -> String {
    let mut out = format!(
        "# Intune custom profile rows (PassportForWork CSP, {OMA_URI_ROOT}). One row per block.\n"
    );
    for (setting, value) in values {
        let (data_type, text) = match value {
            Value::Text(text) => ("String", text.clone()),
            Value::Number(n) => ("Boolean", (*n != 0).to_string()),
            Value::Deleted => continue,
        };
        out.push_str(&format!(
            "\nOMA-URI: {}\nData type: {data_type}\nValue: {text}\n",
            setting.oma_uri()
        ));
    }
    out
}
