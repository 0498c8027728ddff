//! Sweep reports: every point of a parameter sweep with its aggregated metrics, as a
//! self-contained XHTML page (heat maps, a table with confidence intervals, the Pareto front and
//! a recommended setting), CSV and JSON.
//!
//! The HTML, CSV and JSON are pure functions of the points in the order given, so a sweep run on
//! one machine and one merged from shards give byte-identical files.

use std::io;
use std::path::Path;

use scenarios::params::ParamValue;
use serde::{Deserialize, Serialize};

use crate::metrics::{AggregateMetrics, Better, Metric};
use crate::output::{fmt_num, html_head, write_atomic, xml_escape};

/// A parameter value as the report shows it: `-10`, `3.5` (at most three decimals), `peak_rssi`.
pub fn param_text(value: &ParamValue) -> String {
    match value {
        ParamValue::Int(v) => v.to_string(),
        ParamValue::Float(v) => fmt_num(*v),
        ParamValue::Text(v) => v.clone(),
    }
}

/// One point of a sweep: its parameter values (in the sweep's parameter order) and metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// (parameter name, value), in the sweep's parameter order.
    pub params: Vec<(String, ParamValue)>,
    /// Runs of this point that failed, with their error, in run order.
    pub failed_runs: Vec<String>,
    /// The metrics aggregated over the point's successful runs, in seed order.
    pub metrics: AggregateMetrics,
}

/// What a sweep report prints so that it can be reproduced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepMeta {
    /// The sweep's name.
    pub name: String,
    /// The sweep file as given (relative paths stay relative).
    pub file: String,
    /// (scenario file, SHA-256 of its bytes) of every base scenario.
    pub scenarios: Vec<(String, String)>,
    /// The seeds of every point, e.g. `1..=20`.
    pub seeds: String,
    /// The program version.
    pub program_version: String,
    /// The interpretation options, or `scenario defaults`.
    pub interpretation: String,
}

/// When a setting is acceptable to live with (nuisance bounds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecommendationCriteria {
    /// At least this share of unlock attempts at the desk must succeed.
    pub unlock_availability_share_min: f64,
    /// At most this many false locks per user-hour seated.
    pub false_locks_per_h_max: f64,
}

impl Default for RecommendationCriteria {
    /// 95% availability and at most one false lock per ten user-hours.
    fn default() -> Self {
        RecommendationCriteria { unlock_availability_share_min: 0.95, false_locks_per_h_max: 0.1 }
    }
}

/// A recommended point and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Index into the points.
    pub point_index: usize,
    /// The reason, for people.
    pub reason: String,
}

/// The objectives of the Pareto front, all to minimise: time to lock p95 (never = infinite),
/// unlock-from-afar risk, false locks per hour, and unavailability. A missing value counts as
/// the worst.
fn objectives(m: &AggregateMetrics) -> [f64; 4] {
    let inf = f64::INFINITY;
    [
        m.value(Metric::TimeToLockP95).unwrap_or(inf),
        m.value(Metric::UnlockFromAfar).unwrap_or(inf),
        m.value(Metric::FalseLocks).unwrap_or(inf),
        m.value(Metric::UnlockAvailability).map_or(inf, |a| -a),
    ]
}

/// Indices of the points no other point beats on every objective (security: time to lock,
/// unlock from afar; nuisance: false locks, availability), in point order.
pub fn pareto_front(points: &[SweepPoint]) -> Vec<usize> {
    let keys: Vec<[f64; 4]> = points.iter().map(|p| objectives(&p.metrics)).collect();
    let dominates = |a: &[f64; 4], b: &[f64; 4]| {
        a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
    };
    (0..points.len()).filter(|&i| !keys.iter().any(|other| dominates(other, &keys[i]))).collect()
}

fn describe(point: &SweepPoint) -> String {
    point
        .params
        .iter()
        .map(|(n, v)| format!("{n}={}", param_text(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Chooses a setting on the Pareto front: among those meeting the nuisance `criteria`, the one
/// that locks fastest (p95), then the lowest unlock-from-afar risk; if none meets them, the one
/// with the fewest false locks and the best availability. `None` without points.
pub fn recommend(
    points: &[SweepPoint],
    criteria: &RecommendationCriteria,
) -> Option<Recommendation> {
    let front = pareto_front(points);
    let acceptable = |i: &usize| {
        let m = &points[*i].metrics;
        m.value(Metric::UnlockAvailability)
            .is_none_or(|a| a >= criteria.unlock_availability_share_min)
            && m.value(Metric::FalseLocks).is_none_or(|f| f <= criteria.false_locks_per_h_max)
    };
    let cmp = |a: &[f64; 4], b: &[f64; 4], order: [usize; 4]| {
        order
            .iter()
            .map(|&k| a[k].total_cmp(&b[k]))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    let ok: Vec<usize> = front.iter().copied().filter(acceptable).collect();
    if let Some(&best) = ok.iter().min_by(|&&a, &&b| {
        cmp(&objectives(&points[a].metrics), &objectives(&points[b].metrics), [0, 1, 2, 3])
    }) {
        let m = &points[best].metrics;
        let ttl = m.value(Metric::TimeToLockP95).map_or("never".into(), fmt_num);
        return Some(Recommendation {
            point_index: best,
            reason: format!(
                "{}: on the Pareto front, meets the nuisance bounds (availability >= {}, false \
                locks <= {}/h) and locks fastest among those (time to lock p95 {ttl} s), {} of {} \
                front points acceptable",
                describe(&points[best]),
                fmt_num(criteria.unlock_availability_share_min),
                fmt_num(criteria.false_locks_per_h_max),
                ok.len(),
                front.len()
            ),
        });
    }
    let best = *front.iter().min_by(|&&a, &&b| {
        cmp(&objectives(&points[a].metrics), &objectives(&points[b].metrics), [2, 3, 0, 1])
    })?;
    Some(Recommendation {
        point_index: best,
        reason: format!(
            "{}: no point meets the nuisance bounds (availability >= {}, false locks <= {}/h); \
            this front point has the fewest false locks and best availability",
            describe(&points[best]),
            fmt_num(criteria.unlock_availability_share_min),
            fmt_num(criteria.false_locks_per_h_max)
        ),
    })
}

/// The text of one metric cell: a number, `never` for a time-to-lock percentile that never
/// locked, `-` when there was nothing to measure.
pub fn metric_cell(metrics: &AggregateMetrics, metric: Metric) -> String {
    match metrics.value(metric) {
        Some(v) => fmt_num(v),
        None if matches!(
            metric,
            Metric::TimeToLockP50 | Metric::TimeToLockP95 | Metric::TimeToLockMax
        ) && metrics.walk_aways_count > 0 =>
        {
            "never".into()
        }
        None => "-".into(),
    }
}

/// The table of all points shared by the CSV and the HTML: header and rows of cell texts.
pub fn points_table(points: &[SweepPoint], metrics: &[Metric]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header: Vec<String> = points
        .first()
        .map(|p| p.params.iter().map(|(n, _)| n.clone()).collect())
        .unwrap_or_default();
    header.extend(["runs_count".into(), "failed_runs_count".into(), "walk_aways_count".into()]);
    for &metric in metrics {
        header.push(metric.name().into());
        if has_interval(metric) {
            header.push(format!("{}_ci95_low", metric.name()));
            header.push(format!("{}_ci95_high", metric.name()));
        }
    }
    let rows = points
        .iter()
        .map(|p| {
            let mut row: Vec<String> = p.params.iter().map(|(_, v)| param_text(v)).collect();
            row.push(p.metrics.runs_count.to_string());
            row.push(p.failed_runs.len().to_string());
            row.push(p.metrics.walk_aways_count.to_string());
            for &metric in metrics {
                row.push(metric_cell(&p.metrics, metric));
                if has_interval(metric) {
                    let (low, high) = p
                        .metrics
                        .interval(metric)
                        .map_or(("-".into(), "-".into()), |(l, h)| (fmt_num(l), fmt_num(h)));
                    row.push(low);
                    row.push(high);
                }
            }
            row
        })
        .collect();
    (header, rows)
}

fn has_interval(metric: Metric) -> bool {
    matches!(metric, Metric::FalseLocks | Metric::UnlockAvailability | Metric::UnlockFromAfar)
}

/// CSV of every point (the same cells as the HTML table).
pub fn sweep_csv(points: &[SweepPoint], metrics: &[Metric]) -> String {
    let (header, rows) = points_table(points, metrics);
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    writer.write_record(&header).expect("csv to memory");
    for row in rows {
        writer.write_record(&row).expect("csv to memory");
    }
    String::from_utf8(writer.into_inner().expect("csv to memory")).expect("csv is UTF-8")
}

/// JSON of the sweep: metadata, every point with all metrics, the Pareto front and the
/// recommendation.
pub fn sweep_json(
    meta: &SweepMeta,
    points: &[SweepPoint],
    criteria: &RecommendationCriteria,
) -> String {
    let value = serde_json::json!({
        "meta": meta,
        "points": points,
        "pareto_front": pareto_front(points),
        "recommendation": recommend(points, criteria),
        "criteria": criteria,
    });
    let mut text = serde_json::to_string_pretty(&value).expect("sweep JSON serialises");
    text.push('\n');
    text
}

/// The two parameters heat maps span: the first two with more than one value, in parameter
/// order. With one such parameter the heat map has one row.
fn heat_map_axes(points: &[SweepPoint]) -> Vec<usize> {
    let count = points.first().map_or(0, |p| p.params.len());
    (0..count)
        .filter(|&k| {
            let mut seen: Vec<&ParamValue> = Vec::new();
            for p in points {
                if !seen.contains(&&p.params[k].1) {
                    seen.push(&p.params[k].1);
                }
            }
            seen.len() > 1
        })
        .take(2)
        .collect()
}

/// Distinct values of parameter `k` in first-appearance order.
fn distinct(points: &[SweepPoint], k: usize) -> Vec<ParamValue> {
    let mut seen: Vec<ParamValue> = Vec::new();
    for p in points {
        if !seen.contains(&p.params[k].1) {
            seen.push(p.params[k].1.clone());
        }
    }
    seen
}

/// Green for the best value of a metric over the sweep, red for the worst.
fn colour(metric: Metric, value: Option<f64>, range: (f64, f64)) -> String {
    let Some(v) = value else { return "#cccccc".into() };
    let (lo, hi) = range;
    let mut x = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    if metric.better() == Better::Lower {
        x = 1.0 - x;
    }
    format!("hsl({:.0},70%,60%)", x * 120.0)
}

fn heat_map(points: &[SweepPoint], metric: Metric, axes: &[usize], slice: &[usize]) -> String {
    let xs = distinct(points, axes[0]);
    let ys = if axes.len() > 1 { distinct(points, axes[1]) } else { Vec::new() };
    let rows = ys.len().max(1);
    let values: Vec<f64> = points.iter().filter_map(|p| p.metrics.value(metric)).collect();
    let range = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let (cell_w, cell_h, left, top) = (64, 28, 90, 30);
    let width = left + cell_w * xs.len() + 10;
    let height = top + cell_h * rows + 10;
    let x_name = &points[0].params[axes[0]].0;
    let y_name = axes.get(1).map(|&k| points[0].params[k].0.as_str()).unwrap_or("");
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" data-metric=\"{}\" \
        width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n<text \
        x=\"{left}\" y=\"12\" font-size=\"11\">{} →</text>\n<text x=\"4\" y=\"{}\" \
        font-size=\"11\">{} ↓</text>\n",
        metric.name(),
        xml_escape(x_name),
        top - 4,
        xml_escape(y_name)
    );
    for (i, x) in xs.iter().enumerate() {
        svg += &format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
            left + cell_w * i + cell_w / 2,
            top - 4,
            xml_escape(&param_text(x))
        );
    }
    for j in 0..rows {
        if let Some(y) = ys.get(j) {
            svg += &format!(
                "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>\n",
                left - 6,
                top + cell_h * j + cell_h / 2 + 4,
                xml_escape(&param_text(y))
            );
        }
        for (i, x) in xs.iter().enumerate() {
            let found = slice.iter().copied().find(|&p| {
                points[p].params[axes[0]].1 == *x
                    && ys.get(j).is_none_or(|y| points[p].params[axes[1]].1 == *y)
            });
            let (fill, text) = match found {
                Some(p) => (
                    colour(metric, points[p].metrics.value(metric), range),
                    metric_cell(&points[p].metrics, metric),
                ),
                None => ("#ffffff".into(), String::new()),
            };
            let (cx, cy) = (left + cell_w * i, top + cell_h * j);
            svg += &format!(
                "<rect x=\"{cx}\" y=\"{cy}\" width=\"{cell_w}\" height=\"{cell_h}\" \
                fill=\"{fill}\" stroke=\"#ffffff\"/>\n<text x=\"{}\" y=\"{}\" font-size=\"11\" \
                text-anchor=\"middle\">{}</text>\n",
                cx + cell_w / 2,
                cy + cell_h / 2 + 4,
                xml_escape(&text)
            );
        }
    }
    svg + "</svg>\n"
}

/// The self-contained XHTML report of a sweep.
pub fn sweep_html(
    meta: &SweepMeta,
    points: &[SweepPoint],
    metrics: &[Metric],
    criteria: &RecommendationCriteria,
) -> String {
    let mut html = html_head(&format!("unlocksim sweep {}", meta.name));
    html += &format!("<h1>Sweep {}</h1>\n<p class=\"meta\">", xml_escape(&meta.name));
    html += &xml_escape(&format!(
        "unlocksim {} · sweep {} · seeds {} · interpretation {}",
        meta.program_version, meta.file, meta.seeds, meta.interpretation
    ));
    for (file, hash) in &meta.scenarios {
        html += &format!("<br/>scenario {} sha256 {}", xml_escape(file), xml_escape(hash));
    }
    html += "</p>\n";
    let failed: usize = points.iter().map(|p| p.failed_runs.len()).sum();
    if failed > 0 {
        html += &format!(
            "<p><strong>{failed} runs failed</strong>; their points aggregate the remaining runs \
            (see the CSV's failed_runs_count).</p>\n"
        );
    }
    html += "<h2>Recommended setting</h2>\n";
    match recommend(points, criteria) {
        Some(r) => html += &format!("<p id=\"recommendation\">{}</p>\n", xml_escape(&r.reason)),
        None => html += "<p id=\"recommendation\">No points.</p>\n",
    }
    html += "<h2>Heat maps</h2>\n";
    let axes = heat_map_axes(points);
    if axes.is_empty() {
        html += "<p>Fewer than two distinct values in every parameter: no heat map.</p>\n";
    } else {
        // Parameters not on an axis split the points into slices, one heat map each.
        let others: Vec<usize> =
            (0..points[0].params.len()).filter(|k| !axes.contains(k)).collect();
        let mut slices: Vec<(String, Vec<usize>)> = Vec::new();
        for (index, p) in points.iter().enumerate() {
            let key = others
                .iter()
                .map(|&k| format!("{}={}", p.params[k].0, param_text(&p.params[k].1)))
                .collect::<Vec<_>>()
                .join(", ");
            match slices.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(index),
                None => slices.push((key, vec![index])),
            }
        }
        for &metric in metrics {
            html += &format!("<h3>{}</h3>\n", xml_escape(metric.label()));
            for (key, members) in &slices {
                if !key.is_empty() {
                    html += &format!("<p>{}</p>\n", xml_escape(key));
                }
                html += &heat_map(points, metric, &axes, members);
            }
        }
    }
    html += "<h2>Pareto front: security versus nuisance</h2>\n<p>Points no other point beats on \
    time to lock (p95), unlock-from-afar risk, false locks and availability at once.</p>\n<ul \
    id=\"pareto\">\n";
    for i in pareto_front(points) {
        html += &format!("<li>{}</li>\n", xml_escape(&describe(&points[i])));
    }
    html += "</ul>\n<h2>All points</h2>\n<p>Intervals are 95% confidence intervals of the mean \
    over seeds.</p>\n<table id=\"points\">\n<tr>";
    let (header, rows) = points_table(points, metrics);
    for h in &header {
        html += &format!("<th>{}</th>", xml_escape(h));
    }
    html += "</tr>\n";
    for row in rows {
        html += "<tr>";
        for cell in row {
            html += &format!("<td>{}</td>", xml_escape(&cell));
        }
        html += "</tr>\n";
    }
    html += "</table>\n</body>\n</html>\n";
    html
}

/// Writes `report.html`, `points.csv` and `points.json` into `dir`, each atomically.
pub fn write_sweep_report(
    dir: &Path,
    meta: &SweepMeta,
    points: &[SweepPoint],
    metrics: &[Metric],
    criteria: &RecommendationCriteria,
) -> io::Result<()> {
    write_atomic(&dir.join("points.csv"), sweep_csv(points, metrics).as_bytes())?;
    write_atomic(&dir.join("points.json"), sweep_json(meta, points, criteria).as_bytes())?;
    write_atomic(&dir.join("report.html"), sweep_html(meta, points, metrics, criteria).as_bytes())
}

#[cfg(test)]
mod tests;
