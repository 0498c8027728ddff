//! Hand-built traces in the runner's vocabulary, shared by the tests.

use engine::time::SimTime;
use engine::trace::{Entity, Trace, TraceRecord};
use serde_json::{Value, json};

/// Builds a trace from (seconds, entity in its wire form `pc:desk`, kind, payload).
///
/// # Panics
/// On an entity that is not in the wire form: the fixtures are written by hand.
pub fn trace(records: &[(f64, &str, &str, Value)]) -> Trace {
    Trace {
        records: records
            .iter()
            .map(|(t_s, entity, kind, payload)| {
                TraceRecord::new(
                    SimTime::from_us((t_s * 1e6).round() as u64),
                    Entity::parse(entity).expect("a fixture entity in the wire form"),
                    *kind,
                    payload.clone(),
                )
            })
            .collect(),
    }
}

/// A poll record payload.
pub fn poll(phone: &str, rssi: Option<i64>, distance_m: f64, threshold: i64) -> Value {
    json!({ "phone": phone, "rssi": rssi, "absent_reason": if rssi.is_none() { json!("out_of_range") } else { json!(null) },
            "present": rssi.is_some_and(|r| r >= threshold), "absence_threshold": threshold, "distance_m": distance_m })
}

/// A walk-away day: Ana sits, walks away at 100 s, Dynamic Lock locks at 145 s, she comes back
/// at 300 s, unlocks with PIN and the phone, and an intruder tries from afar at 400 s.
pub fn walk_away_day() -> Trace {
    trace(&[
        (0.0, "user:ana", "action", json!({ "action": "sit", "pc": "desk" })),
        (0.0, "user:ana", "at_desk", json!({ "pc": "desk", "value": true })),
        (0.0, "pc:desk", "poll", poll("ana-phone", Some(0), 0.6, -20)),
        (
            0.0,
            "pc:desk",
            "presence",
            json!({ "phone": "ana-phone", "state": "present", "rssi": 0, "rssi_min": -10, "signal": "dynamic_lock" }),
        ),
        (20.0, "pc:desk", "poll", poll("ana-phone", Some(0), 0.6, -20)),
        (100.0, "user:ana", "action", json!({ "action": "walk", "to": "kitchen" })),
        (100.0, "user:ana", "at_desk", json!({ "pc": "desk", "value": false })),
        (110.0, "pc:desk", "poll", poll("ana-phone", Some(-14), 9.5, -20)),
        (115.0, "pc:desk", "poll", poll("ana-phone", None, 16.0, -20)),
        (
            115.0,
            "pc:desk",
            "presence",
            json!({ "phone": "ana-phone", "state": "absent", "rssi": null, "absence_threshold": -20, "reason": "out_of_range", "signal": "dynamic_lock" }),
        ),
        (
            145.0,
            "pc:desk",
            "lock",
            json!({ "reason": "dynamic_lock", "detail": { "phone": "ana-phone", "idle_s": 45.0 } }),
        ),
        (280.0, "pc:desk", "poll", poll("ana-phone", Some(-3), 1.2, -20)),
        (
            280.0,
            "pc:desk",
            "presence",
            json!({ "phone": "ana-phone", "state": "present", "rssi": -3, "rssi_min": -10, "signal": "dynamic_lock" }),
        ),
        (300.0, "user:ana", "at_desk", json!({ "pc": "desk", "value": true })),
        (305.0, "user:ana", "action", json!({ "action": "present", "credentials": ["pin"] })),
        (
            305.0,
            "pc:desk",
            "event_log",
            json!({ "id": 3520, "level": "information", "detail": {} }),
        ),
        (
            305.0,
            "pc:desk",
            "event_log",
            json!({ "id": 8520, "level": "information", "detail": {} }),
        ),
        (
            305.0,
            "pc:desk",
            "unlock",
            json!({ "factors": ["pin", "trusted_signal"], "was_locked": true, "trusted_signal": { "result": true, "explanation": "phone present" }, "phone_distance_m": 0.6 }),
        ),
        (350.0, "pc:desk", "lock", json!({ "reason": "manual", "detail": {} })),
        (360.0, "user:ana", "at_desk", json!({ "pc": "desk", "value": false })),
        (
            400.0,
            "pc:desk",
            "event_log",
            json!({ "id": 3520, "level": "information", "detail": {} }),
        ),
        (400.0, "pc:desk", "event_log", json!({ "id": 6520, "level": "warning", "detail": {} })),
        (
            400.0,
            "pc:desk",
            "unlock_denied",
            json!({ "reason": "second factor missing", "event_id": 6520, "was_locked": true, "trusted_signal": { "result": false, "explanation": "phone absent" }, "phone_distance_m": 12.0 }),
        ),
        (420.0, "pc:desk", "poll", poll("ana-phone", Some(-25), 12.0, -20)),
    ])
}
