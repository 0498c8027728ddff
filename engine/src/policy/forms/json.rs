//! JSON for automation, in the shape of an Intune custom profile as Microsoft Graph returns it
//! (`windows10CustomConfiguration` with `omaSettings`, each an `omaSettingString`,
//! `omaSettingBoolean` or `omaSettingInteger` with `omaUri` and `value`). No real Intune export
//! of these settings was found (issue 13): the shape follows the Graph resource documentation
//! and the PassportForWork CSP data types. A bare array of settings is read too.

use serde_json::{Value as Json, json};

use super::csp::{other_uri, setting_of, typed_value};
use super::{Assignment, FORM_VALUE_BYTES_MAX, FORM_VALUES_MAX, Setting, Value};
use crate::diagnostic::{Diagnostic, SourceFile};

/// The assignments the settings make.
pub fn read(source: &SourceFile) -> (Vec<Assignment>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let document: Json = match serde_json::from_str(&source.text) {
        Ok(document) => document,
        Err(error) => {
            let at = source.offset_of(error.line(), error.column().max(1));
            diagnostics.push(
                Diagnostic::error("forms::json-syntax", format!("invalid JSON: {error}"))
                    .at(source, at..at)
                    .with_hint("the file must be one JSON document"),
            );
            return (Vec::new(), diagnostics);
        }
    };
    let settings = match &document {
        Json::Array(items) => Some(items),
        Json::Object(map) => map.get("omaSettings").and_then(Json::as_array),
        _ => None,
    };
    let Some(settings) = settings else {
        diagnostics.push(
            Diagnostic::error("forms::json-shape", "no `omaSettings` array in the JSON")
                .at(source, 0..0)
                .with_hint(
                    "an Intune custom profile has \
                    `\"omaSettings\": [{\"omaUri\": ..., \"value\": ...}]`",
                ),
        );
        return (Vec::new(), diagnostics);
    };
    if settings.len() > FORM_VALUES_MAX {
        diagnostics.push(
            Diagnostic::error(
                "forms::too-many-values",
                format!("more than {FORM_VALUES_MAX} settings"),
            )
            .at(source, 0..0),
        );
        return (Vec::new(), diagnostics);
    }
    let mut cursor = 0;
    let assignments = settings
        .iter()
        .filter_map(|item| setting(item, source, &mut cursor, &mut diagnostics))
        .collect();
    (assignments, diagnostics)
}

/// Where `needle` (JSON text) next appears from `cursor`, moving the cursor past it.
fn locate(source: &SourceFile, cursor: &mut usize, needle: &str) -> Option<usize> {
    let found = *cursor + source.text.get(*cursor..)?.find(needle)?;
    *cursor = found + needle.len();
    Some(found)
}

fn setting(
    item: &Json,
    source: &SourceFile,
    cursor: &mut usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Assignment> {
    let uri = item.get("omaUri").and_then(Json::as_str).unwrap_or_default();
    let uri_json = serde_json::to_string(uri).unwrap_or_default();
    let uri_at = locate(source, cursor, &uri_json).unwrap_or(*cursor);
    let uri_span = uri_at..uri_at + uri_json.len().max(1);
    let Some(setting) = setting_of(uri) else {
        diagnostics
            .push(Diagnostic::warning("forms::other-setting", other_uri(uri)).at(source, uri_span));
        return None;
    };
    let value = item.get("value").unwrap_or(&Json::Null);
    let odata = item.get("@odata.type").and_then(Json::as_str).unwrap_or_default();
    let (data_type, text) = match value {
        Json::String(text) => (odata_type(odata).unwrap_or("String"), text.clone()),
        Json::Bool(b) => (odata_type(odata).unwrap_or("Boolean"), b.to_string()),
        Json::Number(n) => (odata_type(odata).unwrap_or("Integer"), n.to_string()),
        // An array, an object or null is no OMA-URI value: named by its JSON kind.
        Json::Array(_) => ("a JSON array", String::new()),
        Json::Object(_) => ("a JSON object", String::new()),
        Json::Null => ("null (no value)", String::new()),
    };
    let span = serde_json::to_string(value)
        .ok()
        .and_then(|needle| {
            let mut from = uri_at;
            locate(source, &mut from, &needle).map(|at| {
                let inner = usize::from(needle.starts_with('"'));
                at + inner..at + needle.len() - inner
            })
        })
        .unwrap_or(uri_span);
    if text.len() > FORM_VALUE_BYTES_MAX {
        diagnostics.push(super::registry::too_long(setting, source, span));
        return None;
    }
    match typed_value(setting, data_type, &text) {
        Ok(value) => Some(Assignment { setting, value, span }),
        Err(message) => {
            diagnostics
                .push(Diagnostic::error("forms::wrong-type", message).at(source, span).with_hint(
                "GroupA, GroupB, Plugins are omaSettingString; DynamicLock is omaSettingBoolean",
            ));
            None
        }
    }
}

fn odata_type(odata: &str) -> Option<&'static str> {
    match odata.to_ascii_lowercase().as_str() {
        "#microsoft.graph.omasettingstring" => Some("String"),
        "#microsoft.graph.omasettingboolean" => Some("Boolean"),
        "#microsoft.graph.omasettinginteger" => Some("Integer"),
        _ => None,
    }
}

/// The values as an Intune custom profile (pretty JSON).
pub fn write(values: &[(Setting, Value)]) -> String {
    let settings: Vec<Json> = values
        .iter()
        .filter_map(|(setting, value)| {
            let (odata, value) = match value {
                Value::Text(text) => ("#microsoft.graph.omaSettingString", json!(text)),
                Value::Number(n) => ("#microsoft.graph.omaSettingBoolean", json!(*n != 0)),
                Value::Deleted => return None,
            };
            Some(json!({
                "@odata.type": odata,
                "displayName": setting.path(),
                "omaUri": setting.oma_uri(),
                "value": value,
            }))
        })
        .collect();
    let profile = json!({
        "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
        "displayName": "Windows Hello for Business unlock policy",
        "omaSettings": settings,
    });
    let mut text = serde_json::to_string_pretty(&profile).unwrap_or_default();
    text.push('\n');
    text
}
