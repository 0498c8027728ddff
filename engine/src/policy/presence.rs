//! Evaluating a Dynamic Lock rule against a signal snapshot: is the phone present?
//!
//! Sources: design sections 3.3 (a bluetooth signal watches paired devices of its major class),
//! 3.5 (several paired phones: any one straying locks) and 3.6 (`rssi_delta_reference`). A
//! snapshot is one poll without history, so it is judged with the thresholds of the default
//! `hysteresis` interpretation: a phone reading at or above `rssiMin` is present, one below
//! `rssiMin + rssiMaxDelta` is absent, and one in between leaves the state as it was
//! (`unchanged`). A rule none of whose phones answered is absent: the connection failed.

use std::fmt::Write as _;

use serde::Serialize;

use super::eval::ElementOutcome;
use super::rules::{BluetoothSignal, RuleSet};
use crate::snapshot::{BluetoothObservation, SignalSnapshot};

/// What one poll says of a phone, a rule or the whole Dynamic Lock setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceVerdict {
    /// At or above `rssiMin`: present (and unlocking stays possible).
    Present,
    /// Below `rssiMin + rssiMaxDelta`, or no phone answered: gone, Dynamic Lock acts.
    Absent,
    /// Between the two thresholds: the phone keeps the state it had.
    Unchanged,
}

/// The Dynamic Lock verdict and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresenceEvaluation {
    /// Absent when any rule is (any phone straying locks), present when every rule is.
    pub presence: PresenceVerdict,
    pub rules: Vec<RulePresence>,
}

/// One rule's verdict: its bluetooth signal against every paired device that answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RulePresence {
    /// 1-based position in the list.
    pub rule: usize,
    pub presence: PresenceVerdict,
    pub devices: Vec<DevicePresence>,
    /// Why no device counts, when none does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One paired device that answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DevicePresence {
    pub subject: String,
    /// `None` when its major class is not the rule's: the rule does not watch it.
    pub presence: Option<PresenceVerdict>,
    pub elements: Vec<ElementOutcome>,
}

impl PresenceVerdict {
    /// The word printed for it.
    pub const fn as_str(self) -> &'static str {
        match self {
            PresenceVerdict::Present => "present",
            PresenceVerdict::Absent => "absent",
            PresenceVerdict::Unchanged => "unchanged",
        }
    }

    /// Several verdicts of which any absence wins (any phone straying locks); `Absent` for none.
    fn combine(verdicts: impl Iterator<Item = PresenceVerdict>) -> PresenceVerdict {
        let mut combined = None;
        for verdict in verdicts {
            combined = Some(match (combined, verdict) {
                (_, PresenceVerdict::Absent) | (Some(PresenceVerdict::Absent), _) => {
                    PresenceVerdict::Absent
                }
                (_, PresenceVerdict::Unchanged) | (Some(PresenceVerdict::Unchanged), _) => {
                    PresenceVerdict::Unchanged
                }
                _ => PresenceVerdict::Present,
            });
        }
        combined.unwrap_or(PresenceVerdict::Absent)
    }
}

impl RuleSet {
    /// Evaluates Dynamic Lock rules (bluetooth signals, scenario `Dynamic Lock`) as the presence
    /// they describe. Signals of other types are not Dynamic Lock rules and count for nothing.
    pub fn evaluate_presence(&self, snapshot: &SignalSnapshot) -> PresenceEvaluation {
        let rules: Vec<RulePresence> = self
            .rules
            .iter()
            .enumerate()
            .flat_map(|(i, rule)| rule.signals().iter().map(move |signal| (i, signal)))
            .filter_map(|(i, signal)| match signal {
                super::rules::Signal::Bluetooth(b) => Some(rule_presence(i + 1, b, snapshot)),
                _ => None,
            })
            .collect();
        let presence = PresenceVerdict::combine(rules.iter().map(|r| r.presence));
        PresenceEvaluation { presence, rules }
    }
}

fn rule_presence(rule: usize, signal: &BluetoothSignal, snapshot: &SignalSnapshot) -> RulePresence {
    let devices: Vec<DevicePresence> =
        snapshot.bluetooth.iter().enumerate().map(|(i, d)| device(i + 1, d, signal)).collect();
    let watched = devices.iter().filter_map(|d| d.presence);
    let presence = PresenceVerdict::combine(watched.clone());
    let note = (watched.count() == 0).then(|| {
        format!(
            "no paired device of class {} answered: the connection fails, the phone is absent",
            signal.class_of_device()
        )
    });
    RulePresence { rule, presence, devices, note }
}

fn device(
    index: usize,
    observed: &BluetoothObservation,
    signal: &BluetoothSignal,
) -> DevicePresence {
    let major = observed.class_of_device & 0x1F00;
    let rssi = i32::from(observed.rssi);
    let absent_below = signal.rssi_min() + signal.rssi_max_delta();
    let check = |element: &str, required: String, observed: String, pass: bool| ElementOutcome {
        element: element.to_string(),
        required,
        observed,
        pass,
    };
    let class_matches = major == signal.class_of_device();
    let mut elements = vec![check(
        "classOfDevice",
        signal.class_of_device().to_string(),
        format!("{major} (CoD {})", observed.class_of_device),
        class_matches,
    )];
    let presence = class_matches.then(|| {
        elements.push(check(
            "rssiMin (present at or above)",
            format!(">= {}", signal.rssi_min()),
            rssi.to_string(),
            rssi >= signal.rssi_min(),
        ));
        elements.push(check(
            "rssiMin + rssiMaxDelta (absent below)",
            format!(">= {absent_below}"),
            rssi.to_string(),
            rssi >= absent_below,
        ));
        if rssi >= signal.rssi_min() {
            PresenceVerdict::Present
        } else if rssi < absent_below {
            PresenceVerdict::Absent
        } else {
            PresenceVerdict::Unchanged
        }
    });
    let subject = match &observed.device {
        Some(name) => format!("device {index} ({name})"),
        None => format!("device {index}"),
    };
    DevicePresence { subject, presence, elements }
}

impl PresenceEvaluation {
    /// The explanation as indented text, one check per line.
    pub fn render_text(&self) -> String {
        let mut out = format!("presence: {}\n", self.presence.as_str());
        for rule in &self.rules {
            let _ = writeln!(
                out,
                "rule {} (bluetooth, Dynamic Lock): {}",
                rule.rule,
                rule.presence.as_str()
            );
            if let Some(note) = &rule.note {
                let _ = writeln!(out, "  {note}");
            }
            for device in &rule.devices {
                let verdict = device.presence.map_or("not watched", PresenceVerdict::as_str);
                let _ = writeln!(out, "  {}: {verdict}", device.subject);
                for e in &device.elements {
                    let mark = if e.pass { "pass" } else { "FAIL" };
                    let _ = writeln!(
                        out,
                        "    {mark} {}: required {}, observed {}",
                        e.element, e.required, e.observed
                    );
                }
            }
        }
        if self.presence == PresenceVerdict::Unchanged {
            out.push_str(
                "unchanged: between rssiMin + rssiMaxDelta and rssiMin a phone keeps its state \
                (present if it was present, absent if it was absent)\n",
            );
        }
        out
    }
}
