//! Per-run reports: a plain-text timeline for the terminal and a self-contained XHTML page with
//! one SVG timeline per PC (each phone's relative RSSI with the `rssiMin` and absence threshold
//! lines, the phone's distance from the PC, lock and unlock marks) and a table of decisions with
//! factor outcomes and Device Unlock event IDs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use engine::trace::{
    EntityKind, EventLevel, LockRecord, Observed, PollRecord, PresenceRecord, PresenceState, Trace,
    TraceRecord, UnlockDeniedRecord, UnlockRecord,
};
use serde_json::Value;

use crate::metrics::{AggregateMetrics, MetricOptions, RunMetrics};
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
            .map(|(k, v)| format!("{k}={}", text_of(v)))
            .collect::<Vec<_>>()
            .join(" "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
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

fn describe_lock(lock: &LockRecord) -> String {
    match fields(&lock.detail, &[]) {
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

/// The plain-text timeline of a run, ending with its decision metrics.
pub fn text_timeline(trace: &Trace, meta: &RunMeta, options: &MetricOptions) -> String {
    let mut out = format!("{}\nreproduce: {}\n\n", meta.line(), meta.command());
    let width = trace.records.iter().map(|r| r.entity.as_str().len()).max().unwrap_or(6).max(6);
    let _ = writeln!(out, "{:>12}  {:width$}  event", "time", "entity");
    let mut polls = 0usize;
    for record in &trace.records {
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

const COLOURS: [&str; 4] = ["#1f77b4", "#9467bd", "#8c564b", "#17becf"];

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

/// The SVG timeline of one PC.
fn pc_svg(pc: &str, records: &[&TraceRecord], end_s: f64) -> String {
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
    let (left, width, rssi_h, gap, dist_h) = (60.0, 860.0, 200.0, 40.0, 110.0);
    let total_h = 20.0 + rssi_h + gap + dist_h + 40.0;
    let end_s = end_s.max(1.0);
    let x = |t: f64| left + t / end_s * width;
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
    let y_rssi = |v: f64| 20.0 + (rssi_hi - v) / (rssi_hi - rssi_lo) * rssi_h;
    let dist_top = 20.0 + rssi_h + gap;
    let y_dist = |d: f64| dist_top + (1.0 - d / dist_hi) * dist_h;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" data-pc=\"{}\" width=\"{}\" \
            height=\"{total_h}\" viewBox=\"0 0 {} {total_h}\">\n",
        xml_escape(pc),
        left + width + 20.0,
        left + width + 20.0
    );
    let _ = write!(
        svg,
        "<rect x=\"{left}\" y=\"20\" width=\"{width}\" height=\"{rssi_h}\" fill=\"#fafafa\" \
            stroke=\"#999\"/>\n<rect x=\"{left}\" y=\"{dist_top}\" width=\"{width}\" \
            height=\"{dist_h}\" fill=\"#fafafa\" stroke=\"#999\"/>\n<text x=\"4\" y=\"14\" \
            font-size=\"11\">relative RSSI (dB)</text>\n<text x=\"4\" y=\"{}\" \
            font-size=\"11\">phone distance (m)</text>\n",
        dist_top - 6.0
    );
    let ticks = [0.0, rssi_lo / 2.0, rssi_lo].map(|v| (v, y_rssi(v)));
    for (value, y) in ticks.into_iter().chain([0.0, dist_hi / 2.0, dist_hi].map(|d| (d, y_dist(d))))
    {
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            left - 4.0,
            y + 3.0,
            fmt_num(value.round())
        );
    }
    for k in 0..=4 {
        let t = end_s * k as f64 / 4.0;
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            x(t),
            total_h - 8.0,
            fmt_time_us((t * 1e6) as u64)
        );
    }
    for (i, (phone, s)) in phones.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let mut segment = Vec::new();
        for (t, r, _) in &s.rssi {
            match r {
                Some(r) => segment.push((x(*t), y_rssi(*r))),
                None => {
                    svg += &polyline(&segment, colour, false);
                    segment.clear();
                    let (cx, cy) = (x(*t), 20.0 + rssi_h - 6.0);
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
        svg += &polyline(&segment, colour, false);
        let thresholds: Vec<(f64, f64)> =
            s.rssi.iter().filter_map(|(t, _, th)| th.map(|th| (x(*t), y_rssi(th)))).collect();
        svg += &polyline(&thresholds, "#d62728", true);
        if let Some(min) = s.rssi_min {
            let _ = writeln!(
                svg,
                "<line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#2ca02c\" \
                    stroke-dasharray=\"2,2\"><title>rssiMin {}</title></line>",
                left + width,
                y_rssi(min),
                y_rssi(min),
                fmt_num(min)
            );
        }
        let distances: Vec<(f64, f64)> =
            s.distance_m.iter().map(|(t, d)| (x(*t), y_dist(*d))).collect();
        svg += &polyline(&distances, colour, false);
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{colour}\">{}</text>",
            left + 8.0 + 150.0 * i as f64,
            34,
            xml_escape(phone)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"14\" font-size=\"10\" fill=\"#d62728\">absence threshold (dashed)\
            </text><text x=\"{}\" y=\"14\" font-size=\"10\" fill=\"#2ca02c\">rssiMin (dotted)\
            </text>",
        left + width - 300.0,
        left + width - 120.0
    );
    for r in records {
        let (colour, label) = match r.observed() {
            Observed::Lock(lock) => ("#d62728", format!("lock: {}", lock.reason.name())),
            Observed::Unlock(_) => ("#2ca02c", "unlock".to_string()),
            Observed::UnlockDenied(denied) => ("#ff7f0e", format!("denied {}", denied.event_id)),
            Observed::SignIn(signed_in) => {
                ("#2ca02c", format!("sign-in {}", signed_in.credential.name()))
            }
            _ => continue,
        };
        let t = x(r.time.as_s_f64());
        let detail = describe(r).unwrap_or_default();
        let _ = writeln!(
            svg,
            "<line x1=\"{t:.1}\" x2=\"{t:.1}\" y1=\"20\" y2=\"{}\" stroke=\"{colour}\" \
                stroke-width=\"1.5\"><title>{} {}</title></line>\n<text x=\"{:.1}\" y=\"{}\" \
                font-size=\"10\" fill=\"{colour}\" transform=\"rotate(-90 {:.1} {})\">{}</text>",
            dist_top + dist_h,
            fmt_time_us(r.time.as_us()),
            xml_escape(&detail),
            t - 3.0,
            20.0 + rssi_h - 4.0,
            t - 3.0,
            20.0 + rssi_h - 4.0,
            xml_escape(&label)
        );
    }
    svg + "</svg>\n"
}

/// The self-contained XHTML page of one run.
pub fn run_html(trace: &Trace, meta: &RunMeta, options: &MetricOptions) -> String {
    let mut html = html_head(&format!("unlocksim {} seed {}", meta.scenario_name, meta.seed));
    let _ = write!(
        html,
        "<h1>{}</h1>\n<p class=\"meta\">{}<br/>reproduce: {}</p>\n",
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
            if matches!(
                r.kind.as_str(),
                "lock"
                    | "unlock"
                    | "unlock_denied"
                    | "event_log"
                    | "lock_deferred"
                    | "lock_cancelled"
                    | "notification"
                    | "bluetooth_radio"
                    | "presence"
            ) {
                let _ = writeln!(
                    html,
                    "<tr><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
                    fmt_time_us(r.time.as_us()),
                    xml_escape(&describe(r).unwrap_or_default())
                );
            }
        }
        html += "</table>\n";
    }
    html += "<h2>Decision metrics</h2>\n<pre>";
    let text = text_timeline(trace, meta, options);
    let metrics_part = text.rsplit("\n\n").next().unwrap_or("");
    html += &xml_escape(metrics_part);
    html += "</pre>\n</body>\n</html>\n";
    html
}

#[cfg(test)]
mod tests;
