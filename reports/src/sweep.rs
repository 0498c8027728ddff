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
pub use crate::recommend::{
    Objective, Recommendation, RecommendationCriteria, describe, pareto_front, recommend,
};

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
    /// The `unlocksim run` command that reproduces the point's runs with their traces (empty
    /// when the caller did not give one).
    #[serde(default)]
    pub command: String,
}

/// What a sweep report prints so that it can be reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The study's acceptance criteria.
    pub criteria: RecommendationCriteria,
    /// The study's objective among settings that meet the criteria.
    pub objective: Objective,
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

/// JSON of the sweep: metadata (with the criteria and objective), every point with all
/// metrics and its command, the Pareto front and the recommendation.
pub fn sweep_json(
    meta: &SweepMeta,
    points: &[SweepPoint],
    recommendation: Option<&Recommendation>,
) -> String {
    let value = serde_json::json!({
        "meta": meta,
        "points": points,
        "pareto_front": pareto_front(points),
        "recommendation": recommendation,
        "criteria": meta.criteria,
        "objective": meta.objective,
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
    recommendation: Option<&Recommendation>,
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
    html += &crate::recommend::recommendation_html(recommendation, &meta.criteria, meta.objective);
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
        html += &format!("<li>{}</li>\n", xml_escape(&describe(&points[i].params)));
    }
    html += "</ul>\n<h2>All points</h2>\n<p>Intervals are 95% confidence intervals of the mean \
    over seeds.</p>\n<table id=\"points\">\n<tr>";
    let (header, rows) = points_table(points, metrics);
    for h in &header {
        html += &format!("<th>{}</th>", xml_escape(h));
    }
    html += "<th>command</th></tr>\n";
    for (row, point) in rows.into_iter().zip(points) {
        html += "<tr>";
        for cell in row {
            html += &format!("<td>{}</td>", xml_escape(&cell));
        }
        html += &format!("<td class=\"command\"><code>{}</code></td>", xml_escape(&point.command));
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
    recommendation: Option<&Recommendation>,
) -> io::Result<()> {
    write_atomic(&dir.join("points.csv"), sweep_csv(points, metrics).as_bytes())?;
    write_atomic(&dir.join("points.json"), sweep_json(meta, points, recommendation).as_bytes())?;
    let html = sweep_html(meta, points, metrics, recommendation);
    write_atomic(&dir.join("report.html"), html.as_bytes())
}

#[cfg(test)]
mod tests;
