//! Per-run reports: a plain-text timeline for the terminal and a self-contained XHTML page with
//! one SVG timeline per PC (each phone's relative RSSI with the `rssiMin` and absence threshold
//! lines, the phone's distance from the PC, the Wi-Fi access point, IP configuration changes and
//! Wi-Fi signal quality on the same time axis, lock and unlock marks), a table of decisions with
//! factor outcomes, Device Unlock event IDs and every unlock attempt's trusted-signal
//! explanation, and the run's metrics as a table with units; and the `index.html` linking every
//! run page of a report.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use engine::trace::{
    EntityKind, EventLevel, LockRecord, Observed, PollRecord, PresenceRecord, PresenceState, Trace,
    TraceRecord, UnlockDeniedRecord, UnlockRecord, WifiChange,
};
use serde_json::Value;

use crate::charts;
use crate::metrics::{AggregateMetrics, Metric, MetricOptions, RunMetrics};
use crate::output::{RunMeta, fmt_num, html_head, xml_escape};
use crate::sweep::metric_cell;

/// `h:mm:ss.mmm` of a trace time in microseconds.
pub fn fmt_time_us(us: u64) -> String {
    let ms = us / 1000;
    format!("{}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), fmt_num),
        Value::Null => "none".into(),
        other => other.to_string(),
    }
}

/// `k=v` pairs of an object's fields except `skip`, in key order.
fn fields(value: &Value, skip: &[&str]) -> String {
    match value {
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .map(|(k, v)| match k.as_str() {
                "credentials" => format!("{k}={}", credential_names(v)),
                _ => format!("{k}={}", text_of(v)),
            })
            .collect::<Vec<_>>()
            .join(" "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The credentials a user presented, by name: `pin`, `fingerprint (rejected: not enrolled)`,
/// joined by `, `; anything else as [`text_of`] shows it.
fn credential_names(value: &Value) -> String {
    let Value::Array(items) = value else { return text_of(value) };
    let names: Vec<String> = items
        .iter()
        .map(|item| {
            if let Value::String(name) = item {
                return name.clone();
            }
            let name = text_of(&item["credential"]);
            let outcome = &item["outcome"];
            match (text_of(&outcome["outcome"]).as_str(), &outcome["reason"]) {
                ("accepted", _) => name,
                (what, Value::Null) => format!("{name} ({what})"),
                (what, reason) => format!("{name} ({what}: {})", text_of(reason)),
            }
        })
        .collect();
    format!("[{}]", names.join(", "))
}

/// A number as [`text_of`] shows it, or `none`.
fn number_or_none(value: Option<f64>) -> String {
    value.map_or_else(|| "none".into(), fmt_num)
}

/// The `trusted_signal` of an unlock record, in words.
fn trusted(trusted_signal: &Value) -> String {
    match trusted_signal {
        Value::Null => "trusted signal not configured".into(),
        v if v.get("error").is_some() => format!("trusted signal error: {}", text_of(&v["error"])),
        v => format!("trusted signal {}", text_of(&v["result"])),
    }
}

fn distance(phone_distance_m: Option<f64>) -> String {
    phone_distance_m.map_or(String::new(), |d| format!(", phone {} m", fmt_num(d)))
}

/// One line describing a record (polls are summarised elsewhere), or `None` to leave it out.
/// Kinds with a typed payload are read through it; the rest are shown from their fields.
pub fn describe(record: &TraceRecord) -> Option<String> {
    if record.kind == PollRecord::KIND {
        return None;
    }
    Some(match record.observed() {
        Observed::AtDesk(at_desk) if at_desk.seated => format!("reaches pc {}", at_desk.pc),
        Observed::AtDesk(at_desk) => format!("leaves pc {}", at_desk.pc),
        Observed::Presence(presence) => describe_presence(&presence),
        Observed::Lock(lock) => describe_lock(&lock),
        Observed::Unlock(unlock) => describe_unlock(&unlock),
        Observed::UnlockDenied(denied) => describe_unlock_denied(&denied),
        Observed::SignIn(signed_in) => format!("SIGN-IN with {}", signed_in.credential.name()),
        Observed::SignInDenied(denied) => {
            format!("sign-in with {} denied: {}", denied.credential.name(), denied.reason)
        }
        Observed::EventLog(event) => {
            format!("event {} {}", event.id, event_level_name(event.level))
        }
        // Shown field by field, as any record without its own wording.
        Observed::PinResetSucceeded(_)
        | Observed::PinResetFailed(_)
        | Observed::Wifi(_)
        | Observed::Calibration(_)
        | Observed::Other => describe_untyped(record),
    })
}

fn event_level_name(level: EventLevel) -> &'static str {
    match level {
        EventLevel::Information => "information",
        EventLevel::Warning => "warning",
        EventLevel::Error => "error",
    }
}

fn describe_presence(p: &PresenceRecord) -> String {
    let rssi = number_or_none(p.rssi_db.map(f64::from));
    match p.state {
        PresenceState::Present => format!(
            "phone {} present (rssi {rssi}, rssi_min {}, {})",
            p.phone,
            number_or_none(p.rssi_db_min.map(f64::from)),
            p.signal.name()
        ),
        PresenceState::Absent => format!(
            "phone {} absent (rssi {rssi}, threshold {}, {}, {})",
            p.phone,
            number_or_none(p.absence_threshold_db.map(f64::from)),
            p.reason.as_deref().unwrap_or("none"),
            p.signal.name()
        ),
    }
}

/// `LOCK dynamic_lock (idle_s=47.5 phone=ana-phone; user at 26.48 m)`: the detail's fields,
/// the user's distance (`user_distance_m`, when the PC has a user) last and in words.
fn describe_lock(lock: &LockRecord) -> String {
    let mut parts = vec![fields(&lock.detail, &["user_distance_m"])];
    if let Some(distance_m) = lock.detail.get("user_distance_m").and_then(Value::as_f64) {
        parts.push(format!("user at {distance_m} m"));
    }
    parts.retain(|part| !part.is_empty());
    match parts.join("; ") {
        detail if detail.is_empty() => format!("LOCK {}", lock.reason.name()),
        detail => format!("LOCK {} ({detail})", lock.reason.name()),
    }
}

fn describe_unlock(unlock: &UnlockRecord) -> String {
    let factors: Vec<&str> = unlock.factors.iter().map(|f| f.name()).collect();
    format!(
        "UNLOCK with {} ({}, {}{})",
        factors.join(" + "),
        if unlock.was_locked { "was locked" } else { "re-authentication" },
        trusted(&unlock.trusted_signal),
        distance(unlock.phone_distance_m)
    )
}

fn describe_unlock_denied(denied: &UnlockDeniedRecord) -> String {
    format!(
        "UNLOCK DENIED event {}: {} ({}{})",
        denied.event_id,
        denied.reason,
        trusted(&denied.trusted_signal),
        distance(denied.phone_distance_m)
    )
}

/// Records without a typed payload (actions, notifications, PIN reset outcomes...).
fn describe_untyped(record: &TraceRecord) -> String {
    let p = &record.payload;
    let s = |key: &str| text_of(&p[key]);
    match record.kind.as_str() {
        "action" if p["action"] == "network_change" => describe_network_change(p),
        "action" => format!("{} {}", s("action"), fields(p, &["action"])).trim_end().to_string(),
        "lock_deferred" => format!("lock deferred: {}", fields(p, &[])),
        "lock_cancelled" => format!("lock cancelled: phone {} back", s("phone")),
        "notification" => format!("notification: {}", s("text")),
        "bluetooth_radio" => {
            format!("bluetooth radio {}", if p["on"] == Value::Bool(true) { "on" } else { "off" })
        }
        other => format!("{other} {}", fields(p, &[])).trim_end().to_string(),
    }
}

/// `network_change office-lan: ipv4_dns_servers 10.10.0.1 -> 10.20.0.1; dns_suffix none -> corp`:
/// each option the change changed, from and to (`nothing changed` when it set only the values
/// the network had).
fn describe_network_change(payload: &Value) -> String {
    let changed: Vec<String> = payload["changed"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|c| {
            format!("{} {} -> {}", text_of(&c["option"]), text_of(&c["from"]), text_of(&c["to"]))
        })
        .collect();
    let what = if changed.is_empty() { "nothing changed".to_string() } else { changed.join("; ") };
    format!("network_change {}: {what}", text_of(&payload["network"]))
}

/// Whether `record` is a `lock` action that the next record, the lock itself (same time, same
/// PC), says again: the timeline then shows only the lock.
fn announces_next(record: &TraceRecord, next: Option<&TraceRecord>) -> bool {
    record.kind == "action"
        && record.payload["action"] == "lock"
        && next.is_some_and(|next| {
            next.kind == <LockRecord as engine::trace::RecordPayload>::KIND
                && next.time == record.time
                && next.entity == record.entity
        })
}

/// The plain-text timeline of a run, ending with its decision metrics.
pub fn text_timeline(trace: &Trace, meta: &RunMeta, options: &MetricOptions) -> String {
    let mut out = format!("{}\nreproduce: {}\n\n", meta.line(), meta.command());
    let width = trace.records.iter().map(|r| r.entity.as_str().len()).max().unwrap_or(6).max(6);
    let _ = writeln!(out, "{:>12}  {:width$}  event", "time", "entity");
    let mut polls = 0usize;
    for (index, record) in trace.records.iter().enumerate() {
        if announces_next(record, trace.records.get(index + 1)) {
            continue;
        }
        match describe(record) {
            Some(text) => {
                let _ = writeln!(
                    out,
                    "{:>12}  {:width$}  {text}",
                    fmt_time_us(record.time.as_us()),
                    record.entity
                );
            }
            None => polls += 1,
        }
    }
    let _ = writeln!(out, "({polls} Bluetooth polls not shown)\n");
    // A report's trace keeps every record, so its last one is a poll at most one poll
    // interval before the run's end.
    let run_end = trace.records.last().map_or(engine::SimTime::ZERO, |r| r.time);
    let run = RunMetrics::from_trace(trace, run_end, options);
    let aggregate = AggregateMetrics::from_runs(std::slice::from_ref(&run));
    let _ = writeln!(out, "walk-aways: {}", run.time_to_lock_us.len());
    for metric in crate::metrics::Metric::ALL {
        let _ = writeln!(out, "{}: {}", metric.name(), metric_cell(&aggregate, metric));
    }
    out
}

/// Points of one phone as seen by one PC.
#[derive(Default)]
struct PhoneSeries {
    /// (t_s, rssi or None for a failed poll, absence threshold).
    rssi: Vec<(f64, Option<f64>, Option<f64>)>,
    /// (t_s, distance_m).
    distance_m: Vec<(f64, f64)>,
    rssi_min: Option<f64>,
}

fn polyline(points: &[(f64, f64)], colour: &str, dashed: bool) -> String {
    if points.is_empty() {
        return String::new();
    }
    let text: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    format!(
        "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"{} points=\"{}\"/>\n",
        if dashed { " stroke-dasharray=\"5,3\"" } else { "" },
        text.join(" ")
    )
}

/// The horizontal layout of a run chart (px): plot from `LEFT` to `LEFT + PLOT_W`, with
/// `RIGHT` to spare so that the last tick label is never clipped.
const LEFT: f64 = 60.0;
const PLOT_W: f64 = 860.0;
const RIGHT: f64 = 50.0;
/// Font size of tick labels (px).
const TICK_FONT_PX: f64 = 10.0;

/// The Bluetooth series of every phone a PC polled, by phone.
fn phone_series(records: &[&TraceRecord]) -> BTreeMap<String, PhoneSeries> {
    let mut phones: BTreeMap<String, PhoneSeries> = BTreeMap::new();
    for r in records {
        let t = r.time.as_s_f64();
        if let Some(poll) = PollRecord::read(r) {
            let series = phones.entry(poll.phone.to_string()).or_default();
            series.rssi.push((
                t,
                poll.rssi_db.map(f64::from),
                poll.absence_threshold_db.map(f64::from),
            ));
            if let Some(d) = poll.distance_m {
                series.distance_m.push((t, d));
            }
        } else if let Some(presence) = r.read::<PresenceRecord>()
            && let Some(min) = presence.rssi_db_min
        {
            phones.entry(presence.phone).or_default().rssi_min = Some(f64::from(min));
        }
    }
    phones
}

/// Y ticks of a panel: `plotters`' nice values in `lo..=hi`, drawn at `y(value)`.
fn y_ticks(svg: &mut String, lo: f64, hi: f64, y: &dyn Fn(f64) -> f64) {
    for value in charts::nice_ticks(lo, hi, 5) {
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" font-size=\"{TICK_FONT_PX}\" text-anchor=\"end\">{}</text>\
             <line x1=\"{}\" x2=\"{LEFT}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#999\"/>",
            LEFT - 5.0,
            y(value) + 3.0,
            fmt_num(value),
            LEFT - 3.0,
            y(value),
            y(value)
        );
    }
}

/// A panel frame with its title above it.
fn panel(svg: &mut String, top: f64, height: f64, title: &str) {
    let _ = writeln!(
        svg,
        "<rect x=\"{LEFT}\" y=\"{top}\" width=\"{PLOT_W}\" height=\"{height}\" fill=\"#fafafa\" \
         stroke=\"#999\"/>\n<text x=\"4\" y=\"{}\" font-size=\"11\">{}</text>",
        top - 5.0,
        xml_escape(title)
    );
}

/// The time axis under the panels: `plotters`' nice ticks in s, min or h (by the run's length)
/// that fit the width, each label `class="time-tick"`, and the axis title.
fn time_axis(svg: &mut String, end_s: f64, top: f64, bottom: f64) {
    let (unit, ticks) = charts::time_ticks(end_s, PLOT_W, TICK_FONT_PX);
    let x = |t: f64| LEFT + t / end_s * PLOT_W;
    for (t, label) in &ticks {
        let _ = writeln!(
            svg,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{top}\" y2=\"{1}\" stroke=\"#e4e4e4\"/>\
             <text class=\"time-tick\" x=\"{0:.1}\" y=\"{2}\" font-size=\"{TICK_FONT_PX}\" \
             text-anchor=\"middle\">{3}</text>",
            x(*t),
            bottom + 4.0,
            bottom + 16.0,
            xml_escape(label)
        );
    }
    let _ = writeln!(
        svg,
        "<text class=\"axis-title\" x=\"{}\" y=\"{}\" font-size=\"11\" \
         text-anchor=\"middle\">time since the start of the run ({unit})</text>",
        LEFT + PLOT_W / 2.0,
        bottom + 34.0
    );
}

/// What a PC's Wi-Fi and IP configuration did: access-point spans, IP changes and the Wi-Fi
/// signal quality each unlock evaluation saw.
#[derive(Default)]
struct NetworkSeries {
    /// (start_s, end_s or None = until the end, access point).
    wifi: Vec<(f64, Option<f64>, String)>,
    /// (t_s, what changed).
    ip_changes: Vec<(f64, String)>,
    /// (t_s, signal quality 0-100, required).
    quality: Vec<(f64, f64, String)>,
}

impl NetworkSeries {
    fn of(records: &[&TraceRecord]) -> NetworkSeries {
        let mut series = NetworkSeries::default();
        for r in records {
            let t = r.time.as_s_f64();
            match r.observed() {
                Observed::Wifi(change) => series.wifi_change(t, &change),
                Observed::Unlock(UnlockRecord { trusted_signal, .. })
                | Observed::UnlockDenied(UnlockDeniedRecord { trusted_signal, .. }) => {
                    for (observed, required) in sig_qualities(&trusted_signal) {
                        series.quality.push((t, observed, required));
                    }
                }
                _ if r.kind == "action" => {
                    let action = text_of(&r.payload["action"]);
                    if IP_ACTIONS.contains(&action.as_str()) {
                        series.ip_changes.push((t, describe_untyped(r)));
                    }
                }
                _ => {}
            }
        }
        series
    }

    fn wifi_change(&mut self, t: f64, change: &WifiChange) {
        let close = |wifi: &mut Vec<(f64, Option<f64>, String)>| {
            if let Some(last) = wifi.last_mut().filter(|l| l.1.is_none()) {
                last.1 = Some(t);
            }
        };
        match change {
            WifiChange::Connected { access_point, .. } => {
                close(&mut self.wifi);
                self.wifi.push((t, None, access_point.clone()));
                self.ip_changes.push((t, format!("Wi-Fi connected to {access_point}: new lease")));
            }
            WifiChange::Roamed { to, network_changed, .. } => {
                close(&mut self.wifi);
                self.wifi.push((t, None, to.clone()));
                if *network_changed {
                    self.ip_changes.push((t, format!("roamed to {to}: other network")));
                }
            }
            WifiChange::Disconnected { from } => {
                close(&mut self.wifi);
                self.ip_changes.push((t, format!("Wi-Fi left {from}")));
            }
            WifiChange::Unchanged => {}
        }
    }

    fn is_empty(&self) -> bool {
        self.wifi.is_empty() && self.ip_changes.is_empty() && self.quality.is_empty()
    }
}

/// Actions that change a PC's IP configuration.
const IP_ACTIONS: [&str; 5] =
    ["dock", "vpn", "network_change", "renew_leases", "corporate_network"];

/// Every `sig_quality` check in a trusted-signal explanation: (observed, required).
fn sig_qualities(trusted_signal: &Value) -> Vec<(f64, String)> {
    let mut found = Vec::new();
    let rules = trusted_signal["explanation"]["rules"].as_array().cloned().unwrap_or_default();
    for rule in &rules {
        for signal in rule["signals"].as_array().into_iter().flatten() {
            for candidate in signal["candidates"].as_array().into_iter().flatten() {
                for e in candidate["elements"].as_array().into_iter().flatten() {
                    let observed = e["observed"].as_str().and_then(|o| o.parse::<f64>().ok());
                    if e["element"] == "sig_quality"
                        && let Some(observed) = observed
                    {
                        found.push((observed, text_of(&e["required"])));
                    }
                }
            }
        }
    }
    found
}

/// The Wi-Fi and IP lane: access-point spans (labelled where the label fits), IP changes as
/// triangles, and signal quality dots, each with a `<title>`.
fn network_lane(svg: &mut String, net: &NetworkSeries, top: f64, end_s: f64) {
    let x = |t: f64| LEFT + t / end_s * PLOT_W;
    let mut aps: Vec<&str> = Vec::new();
    for (start, end, ap) in &net.wifi {
        let index = aps.iter().position(|a| a == ap).unwrap_or_else(|| {
            aps.push(ap);
            aps.len() - 1
        });
        let (x0, x1) = (x(*start), x(end.unwrap_or(end_s)));
        let _ = writeln!(
            svg,
            "<rect x=\"{x0:.1}\" y=\"{}\" width=\"{:.1}\" height=\"16\" fill=\"{}\" \
             fill-opacity=\"0.55\"><title>Wi-Fi {} from {} to {}</title></rect>",
            top + 6.0,
            (x1 - x0).max(1.0),
            charts::category(index),
            xml_escape(ap),
            fmt_time_us((start * 1e6) as u64),
            end.map_or("the end".into(), |e| fmt_time_us((e * 1e6) as u64))
        );
        let label_w = ap.chars().count() as f64 * TICK_FONT_PX * charts::CHAR_WIDTH_EM;
        if x1 - x0 >= label_w + 6.0 {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"{TICK_FONT_PX}\">{}</text>",
                x0 + 3.0,
                top + 18.0,
                xml_escape(ap)
            );
        }
    }
    for (t, what) in &net.ip_changes {
        let (cx, cy) = (x(*t), top + 34.0);
        let _ = writeln!(
            svg,
            "<path class=\"ip-change\" d=\"M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z\" \
             fill=\"#e15759\"><title>{} IP configuration: {}</title></path>",
            cx,
            cy - 6.0,
            cx - 5.0,
            cy + 4.0,
            cx + 5.0,
            cy + 4.0,
            fmt_time_us((t * 1e6) as u64),
            xml_escape(what)
        );
    }
    for (t, quality, required) in &net.quality {
        let cy = top + 56.0 - quality.clamp(0.0, 100.0) / 100.0 * 12.0;
        let _ = writeln!(
            svg,
            "<circle class=\"wifi-quality\" cx=\"{:.1}\" cy=\"{cy:.1}\" r=\"3\" \
             fill=\"#4e79a7\"><title>{} Wi-Fi signal quality {} (required {})</title></circle>",
            x(*t),
            fmt_time_us((t * 1e6) as u64),
            fmt_num(*quality),
            xml_escape(required)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"end\">AP</text><text x=\"{}\" \
         y=\"{}\" font-size=\"9\" text-anchor=\"end\">IP</text><text x=\"{}\" y=\"{}\" \
         font-size=\"9\" text-anchor=\"end\">quality</text>",
        LEFT - 8.0,
        top + 18.0,
        LEFT - 8.0,
        top + 38.0,
        LEFT - 8.0,
        top + 56.0
    );
}

/// The SVG timeline of one PC: relative RSSI of every phone with its thresholds, the phones'
/// distance, the Wi-Fi and IP lane when the PC has any, lock and unlock marks, and a time axis
/// with nice ticks and a title.
fn pc_svg(pc: &str, records: &[&TraceRecord], end_s: f64) -> String {
    let phones = phone_series(records);
    let net = NetworkSeries::of(records);
    let (rssi_top, rssi_h, dist_h, net_h, gap) = (34.0, 200.0, 110.0, 62.0, 30.0);
    let dist_top = rssi_top + rssi_h + gap;
    let net_top = dist_top + dist_h + gap;
    let bottom = if net.is_empty() { dist_top + dist_h } else { net_top + net_h };
    let total_h = bottom + 44.0;
    let end_s = end_s.max(1.0);
    let x = |t: f64| LEFT + t / end_s * PLOT_W;
    let mut rssi_lo: f64 = -40.0;
    let mut dist_hi: f64 = 5.0;
    for s in phones.values() {
        for (_, r, th) in &s.rssi {
            rssi_lo = rssi_lo.min(r.unwrap_or(0.0) - 5.0).min(th.unwrap_or(0.0) - 5.0);
        }
        for (_, d) in &s.distance_m {
            dist_hi = dist_hi.max(*d * 1.1);
        }
    }
    let rssi_hi = 5.0;
    let y_rssi = |v: f64| rssi_top + (rssi_hi - v) / (rssi_hi - rssi_lo) * rssi_h;
    let y_dist = |d: f64| dist_top + (1.0 - d / dist_hi) * dist_h;
    let width = LEFT + PLOT_W + RIGHT;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" data-pc=\"{}\" \
         width=\"{width}\" height=\"{total_h}\" viewBox=\"0 0 {width} {total_h}\">\n",
        xml_escape(pc)
    );
    panel(&mut svg, rssi_top, rssi_h, "Bluetooth: relative RSSI (dB)");
    panel(&mut svg, dist_top, dist_h, "phone distance from the PC (m)");
    y_ticks(&mut svg, rssi_lo, rssi_hi, &y_rssi);
    y_ticks(&mut svg, 0.0, dist_hi, &y_dist);
    if !net.is_empty() {
        panel(
            &mut svg,
            net_top,
            net_h,
            "Wi-Fi access point, IP configuration changes, Wi-Fi \
            signal quality (0-100, as each unlock evaluation saw it)",
        );
        network_lane(&mut svg, &net, net_top, end_s);
    }
    time_axis(&mut svg, end_s, rssi_top, bottom);
    for (i, (phone, s)) in phones.iter().enumerate() {
        let colour = charts::category(i);
        let mut segment = Vec::new();
        for (t, r, _) in &s.rssi {
            match r {
                Some(r) => segment.push((x(*t), y_rssi(*r))),
                None => {
                    svg += &polyline(&segment, &colour, false);
                    segment.clear();
                    let (cx, cy) = (x(*t), rssi_top + rssi_h - 6.0);
                    let _ = writeln!(
                        svg,
                        "<text x=\"{cx:.1}\" y=\"{cy:.1}\" font-size=\"10\" fill=\"{colour}\" \
                            text-anchor=\"middle\">×<title>{} not connected at {}</title></text>",
                        xml_escape(phone),
                        fmt_time_us((t * 1e6) as u64)
                    );
                }
            }
        }
        svg += &polyline(&segment, &colour, false);
        let thresholds: Vec<(f64, f64)> =
            s.rssi.iter().filter_map(|(t, _, th)| th.map(|th| (x(*t), y_rssi(th)))).collect();
        svg += &polyline(&thresholds, "#d62728", true);
        if let Some(min) = s.rssi_min {
            let _ = writeln!(
                svg,
                "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#2ca02c\" \
                    stroke-dasharray=\"2,2\"><title>rssiMin {}</title></line>",
                LEFT + PLOT_W,
                y_rssi(min),
                y_rssi(min),
                fmt_num(min)
            );
        }
        let distances: Vec<(f64, f64)> =
            s.distance_m.iter().map(|(t, d)| (x(*t), y_dist(*d))).collect();
        svg += &polyline(&distances, &colour, false);
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{colour}\">{}</text>",
            LEFT + 8.0 + 150.0 * i as f64,
            rssi_top + 14.0,
            xml_escape(phone)
        );
    }
    svg += &marks(records, &x, rssi_top, bottom);
    svg + "</svg>\n"
}

/// Lock, unlock, denial and sign-in marks across every panel (line style tells them apart
/// without colour), each with its description as `<title>`, and their key above the chart.
fn marks(records: &[&TraceRecord], x: &dyn Fn(f64) -> f64, top: f64, bottom: f64) -> String {
    const STYLES: [(&str, &str, &str); 4] = [
        ("lock", "#d62728", ""),
        ("unlock", "#2ca02c", "6,3"),
        ("denied", "#ff7f0e", "2,2"),
        ("sign-in", "#9467bd", "8,2,2,2"),
    ];
    let mut svg = String::new();
    for (i, (name, colour, dash)) in STYLES.iter().enumerate() {
        let kx = LEFT + PLOT_W - 330.0 + 85.0 * i as f64;
        let _ = writeln!(
            svg,
            "<line x1=\"{kx}\" x2=\"{}\" y1=\"8\" y2=\"8\" stroke=\"{colour}\" stroke-width=\"2\" \
             stroke-dasharray=\"{dash}\"/><text x=\"{}\" y=\"12\" font-size=\"10\">{name}</text>",
            kx + 18.0,
            kx + 22.0
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"24\" font-size=\"10\"><tspan fill=\"#d62728\">absence threshold \
         (dashed)</tspan> <tspan fill=\"#2ca02c\">rssiMin (dotted)</tspan></text>",
        LEFT + PLOT_W - 330.0
    );
    for r in records {
        let style = match r.observed() {
            Observed::Lock(_) => STYLES[0],
            Observed::Unlock(_) => STYLES[1],
            Observed::UnlockDenied(_) => STYLES[2],
            Observed::SignIn(_) => STYLES[3],
            _ => continue,
        };
        let t = x(r.time.as_s_f64());
        let _ = writeln!(
            svg,
            "<line class=\"mark\" x1=\"{t:.1}\" x2=\"{t:.1}\" y1=\"{top}\" y2=\"{bottom}\" \
             stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"{}\"><title>{} {}</title>\
             </line>",
            style.1,
            style.2,
            fmt_time_us(r.time.as_us()),
            xml_escape(&describe(r).unwrap_or_default())
        );
    }
    svg
}

/// A trusted-signal explanation (the `explanation` of an unlock record's `trusted_signal`) as
/// the same indented text `policy eval` prints ([`engine::policy::Evaluation::render_text`]);
/// `None` when the value is not an explanation.
pub fn explanation_text(explanation: &Value) -> Option<String> {
    let rules = explanation.get("rules")?.as_array()?;
    let flag = |v: &Value| v.as_bool().unwrap_or(false);
    let mut out = format!("result: {}\n", flag(&explanation["result"]));
    for rule in rules {
        let _ = writeln!(
            out,
            "rule {} ({}): {}",
            text_of(&rule["rule"]),
            text_of(&rule["combinator"]),
            flag(&rule["result"])
        );
        for signal in rule["signals"].as_array().into_iter().flatten() {
            let _ =
                writeln!(out, "  signal {}: {}", text_of(&signal["type"]), flag(&signal["result"]));
            if let Some(note) = signal.get("note").and_then(Value::as_str) {
                let _ = writeln!(out, "    {note}");
            }
            for candidate in signal["candidates"].as_array().into_iter().flatten() {
                let _ = writeln!(
                    out,
                    "    {}: {}",
                    text_of(&candidate["subject"]),
                    flag(&candidate["result"])
                );
                for e in candidate["elements"].as_array().into_iter().flatten() {
                    let _ = writeln!(
                        out,
                        "      {} {}: required {}, observed {}",
                        if flag(&e["pass"]) { "pass" } else { "FAIL" },
                        text_of(&e["element"]),
                        text_of(&e["required"]),
                        text_of(&e["observed"])
                    );
                }
            }
        }
    }
    Some(out)
}

/// The explanation tree of an unlock attempt's trusted signal as a `<details>` block, if the
/// record carries one.
fn explanation_html(record: &TraceRecord) -> String {
    let trusted_signal = match record.observed() {
        Observed::Unlock(unlock) => unlock.trusted_signal,
        Observed::UnlockDenied(denied) => denied.trusted_signal,
        _ => return String::new(),
    };
    match explanation_text(&trusted_signal["explanation"]) {
        Some(text) => format!(
            "<details class=\"explanation\"><summary>trusted signal {}: why</summary><pre>{}\
             </pre></details>",
            text_of(&trusted_signal["result"]),
            xml_escape(&text)
        ),
        None => String::new(),
    }
}

/// The decision metrics of one run as a table: metric, value, 95% interval, unit.
fn metrics_table(trace: &Trace, options: &MetricOptions) -> String {
    let run_end = trace.records.last().map_or(engine::SimTime::ZERO, |r| r.time);
    let run = RunMetrics::from_trace(trace, run_end, options);
    let aggregate = AggregateMetrics::from_runs(std::slice::from_ref(&run));
    let mut html = format!(
        "<table id=\"metrics\">\n<tr><th>metric</th><th>value</th><th>95% interval</th>\
         <th>unit</th></tr>\n<tr><td style=\"text-align:left\">walk-aways</td><td>{}</td>\
         <td></td><td>count</td></tr>\n",
        run.time_to_lock_us.len()
    );
    let end = |v: f64| if v.is_finite() { fmt_num(v) } else { "never".into() };
    for metric in Metric::ALL {
        let interval = aggregate
            .interval(metric)
            .map_or(String::new(), |(l, h)| format!("{} to {}", end(l), end(h)));
        let _ = writeln!(
            html,
            "<tr><td style=\"text-align:left\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            xml_escape(metric.label()),
            xml_escape(&metric_cell(&aggregate, metric)),
            xml_escape(&interval),
            metric.unit()
        );
    }
    html + "</table>\n"
}

/// Record kinds listed in a run page's table of decisions.
const DECISION_KINDS: [&str; 10] = [
    "lock",
    "unlock",
    "unlock_denied",
    "event_log",
    "lock_deferred",
    "lock_cancelled",
    "notification",
    "bluetooth_radio",
    "presence",
    "wifi",
];

/// The self-contained XHTML page of one run.
pub fn run_html(trace: &Trace, meta: &RunMeta, options: &MetricOptions) -> String {
    let mut html = html_head(&format!("unlocksim {} seed {}", meta.scenario_name, meta.seed));
    let _ = write!(
        html,
        "<p><a href=\"../index.html\">all runs</a></p>\n<h1>{}</h1>\n<p class=\"meta\">{}<br/>\
         reproduce: {}</p>\n",
        xml_escape(&meta.scenario_name),
        xml_escape(&meta.line()),
        xml_escape(&meta.command())
    );
    let end_s = trace.records.last().map_or(0.0, |r| r.time.as_s_f64());
    let mut pcs: BTreeMap<&str, Vec<&TraceRecord>> = BTreeMap::new();
    for r in &trace.records {
        if r.entity.kind() == EntityKind::Pc {
            pcs.entry(r.entity.as_str()).or_default().push(r);
        }
    }
    for (pc, records) in &pcs {
        let _ = writeln!(html, "<h2>{}</h2>", xml_escape(pc));
        html += &pc_svg(pc, records, end_s);
        html += "<table class=\"decisions\">\n<tr><th>time</th><th>decision</th></tr>\n";
        for r in records {
            if DECISION_KINDS.contains(&r.kind.as_str()) || is_ip_action(r) {
                let _ = writeln!(
                    html,
                    "<tr><td>{}</td><td style=\"text-align:left\">{}{}</td></tr>",
                    fmt_time_us(r.time.as_us()),
                    xml_escape(&describe(r).unwrap_or_default()),
                    explanation_html(r)
                );
            }
        }
        html += "</table>\n";
    }
    html += "<h2>Decision metrics</h2>\n";
    html += &metrics_table(trace, options);
    html += "</body>\n</html>\n";
    html
}

fn is_ip_action(record: &TraceRecord) -> bool {
    record.kind == "action" && IP_ACTIONS.contains(&text_of(&record.payload["action"]).as_str())
}

/// One run page in the index of a run report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPage {
    /// The seed of the run.
    pub seed: u64,
    /// The interpretation options of the run.
    pub interpretation: String,
    /// The page's path relative to the index, `/`-separated.
    pub href: String,
    /// Expectations that failed first at this seed (empty: none did).
    pub failed_here: Vec<String>,
}

/// One scenario in the index of a run report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexScenario {
    /// The scenario's name.
    pub name: String,
    /// Its file as given.
    pub file: String,
    /// Whether every expectation held in every run.
    pub passed: bool,
    /// Its run pages, in run order.
    pub pages: Vec<IndexPage>,
}

/// The `index.html` of a run report: every scenario with its outcome and a link to every run
/// page with the expectations that failed there.
pub fn run_index_html(version: &str, scenarios: &[IndexScenario]) -> String {
    let mut html = html_head("unlocksim run report");
    let passed = scenarios.iter().filter(|s| s.passed).count();
    let _ = writeln!(
        html,
        "<h1>Run report</h1>\n<p class=\"meta\">unlocksim {} · {} scenario(s): {passed} passed, \
         {} failed</p>\n<table id=\"runs\">\n<tr><th style=\"text-align:left\">scenario</th>\
         <th>outcome</th><th style=\"text-align:left\">run pages by seed</th></tr>",
        xml_escape(version),
        scenarios.len(),
        scenarios.len() - passed
    );
    for s in scenarios {
        let links: Vec<String> = s
            .pages
            .iter()
            .map(|p| {
                let title = if p.failed_here.is_empty() {
                    format!(
                        "seed {} ({}): no expectation failed first here",
                        p.seed, p.interpretation
                    )
                } else {
                    format!(
                        "seed {} ({}): FAILED {}",
                        p.seed,
                        p.interpretation,
                        p.failed_here.join("; ")
                    )
                };
                format!(
                    "<a href=\"{}\" title=\"{}\">{}{}</a>",
                    xml_escape(&p.href),
                    xml_escape(&title),
                    p.seed,
                    if p.failed_here.is_empty() { "" } else { " FAIL" }
                )
            })
            .collect();
        let _ = writeln!(
            html,
            "<tr><td style=\"text-align:left\">{}<br/><span class=\"meta\">{}</span></td><td>{}\
             </td><td style=\"text-align:left\">{}</td></tr>",
            xml_escape(&s.name),
            xml_escape(&s.file),
            if s.passed { "PASS" } else { "FAIL" },
            links.join(" ")
        );
    }
    html + "</table>\n</body>\n</html>\n"
}

#[cfg(test)]
mod tests;
