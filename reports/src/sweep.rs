//! Sweep reports: every point of a parameter sweep with its aggregated metrics, as a
//! self-contained XHTML page (heat maps, distributions of time to lock, a table with confidence
//! intervals, the Pareto front and a recommended setting), CSV and JSON.
//!
//! The HTML, CSV and JSON are pure functions of the points in the order given, so a sweep run on
//! one machine and one merged from shards give byte-identical files.

use std::io;
use std::path::Path;

use scenarios::params::ParamValue;
use serde::{Deserialize, Serialize};

use crate::metrics::{AggregateMetrics, Metric};
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

/// Where a report's points come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepKind {
    /// `cargo xtask sweep`: simulated runs of scenarios, over seeds.
    #[default]
    Sweep,
    /// `unlocksim replay --grid`: one recorded log replayed at every point (no seeds).
    Replay,
}

impl SweepKind {
    /// Whether this is a sweep (the kind a sweep's JSON leaves out).
    pub fn is_sweep(&self) -> bool {
        *self == SweepKind::Sweep
    }
}

/// What a sweep report prints so that it can be reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepMeta {
    /// A sweep or a replay over a grid; a sweep's JSON leaves it out.
    #[serde(default, skip_serializing_if = "SweepKind::is_sweep")]
    pub kind: SweepKind,
    /// The sweep's name.
    pub name: String,
    /// The sweep file as given (relative paths stay relative); for a replay, the log.
    pub file: String,
    /// (scenario file, SHA-256 of its bytes) of every base scenario; for a replay, the policy.
    pub scenarios: Vec<(String, String)>,
    /// The seeds of every point, e.g. `1-20 per point`.
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

/// The count columns of the table, after the parameters: (column name, value of a point).
type CountColumn = (&'static str, fn(&SweepPoint) -> f64);

const COUNT_COLUMNS: [CountColumn; 10] = [
    ("runs_count", |p| p.metrics.runs_count as f64),
    ("failed_runs_count", |p| p.failed_runs.len() as f64),
    ("walk_aways_count", |p| p.metrics.walk_aways_count as f64),
    ("time_to_lock_never_count", |p| p.metrics.counts.never_lock_count as f64),
    ("false_locks_count", |p| p.metrics.counts.false_locks_count as f64),
    ("seated_h", |p| p.metrics.counts.seated_us as f64 / 3.6e9),
    ("desk_unlock_attempts_count", |p| p.metrics.counts.desk_unlock_attempts_count as f64),
    ("desk_unlocks_count", |p| p.metrics.counts.desk_unlocks_count as f64),
    ("far_unlock_attempts_count", |p| p.metrics.counts.far_unlock_attempts_count as f64),
    ("far_trusted_unlocks_count", |p| p.metrics.counts.far_trusted_unlocks_count as f64),
];

/// How a table cell shows what is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellStyle {
    /// For the CSV: numbers only; never, unbounded and nothing-measured are empty cells (the
    /// count columns say which).
    Csv,
    /// For people: `never`, `unbounded` or `-`.
    Html,
}

/// The table of all points: header and rows of cell texts. Columns: the parameters, the counts
/// (`runs_count`, `time_to_lock_never_count`, `seated_h`...), then each metric with its 95%
/// interval (`<metric>_ci95_low`, `<metric>_ci95_high`) where it has one. Units are in the
/// column names.
pub fn points_table(
    points: &[SweepPoint],
    metrics: &[Metric],
    style: CellStyle,
) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header: Vec<String> = points
        .first()
        .map(|p| p.params.iter().map(|(n, _)| n.clone()).collect())
        .unwrap_or_default();
    header.extend(COUNT_COLUMNS.iter().map(|(name, _)| (*name).to_string()));
    for &metric in metrics {
        header.push(metric.name().into());
        if has_interval(metric) {
            header.push(format!("{}_ci95_low", metric.name()));
            header.push(format!("{}_ci95_high", metric.name()));
        }
    }
    let rows = points.iter().map(|p| point_row(p, metrics, style)).collect();
    (header, rows)
}

fn point_row(p: &SweepPoint, metrics: &[Metric], style: CellStyle) -> Vec<String> {
    let mut row: Vec<String> = p.params.iter().map(|(_, v)| param_text(v)).collect();
    row.extend(COUNT_COLUMNS.iter().map(|(_, value)| fmt_num(value(p))));
    let missing = |text: &str| match style {
        CellStyle::Csv => String::new(),
        CellStyle::Html => text.to_string(),
    };
    for &metric in metrics {
        row.push(match (p.metrics.value(metric), style) {
            (Some(v), _) => fmt_num(v),
            (None, CellStyle::Csv) => String::new(),
            (None, CellStyle::Html) => metric_cell(&p.metrics, metric),
        });
        if has_interval(metric) {
            let unbounded = if metric.is_time_to_lock() { "never" } else { "unbounded" };
            let end = |v: f64| if v.is_finite() { fmt_num(v) } else { missing(unbounded) };
            let (low, high) = p
                .metrics
                .interval(metric)
                .map_or_else(|| (missing("-"), missing("-")), |(l, h)| (end(l), end(h)));
            row.push(low);
            row.push(high);
        }
    }
    row
}

/// Whether a metric has a confidence interval in the table: all but the longest time to lock.
fn has_interval(metric: Metric) -> bool {
    metric != Metric::TimeToLockMax
}

/// CSV of every point: numbers only in the count and metric columns (empty where the value is
/// never, unbounded or not measured), text only in text parameters.
pub fn sweep_csv(points: &[SweepPoint], metrics: &[Metric]) -> String {
    let (header, rows) = points_table(points, metrics, CellStyle::Csv);
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

/// The self-contained XHTML report of a sweep.
pub fn sweep_html(
    meta: &SweepMeta,
    points: &[SweepPoint],
    metrics: &[Metric],
    recommendation: Option<&Recommendation>,
) -> String {
    let (kind, heading, base) = match meta.kind {
        SweepKind::Sweep => ("sweep", "Sweep", "scenario"),
        SweepKind::Replay => ("replay", "Replay", "policy"),
    };
    let mut html = html_head(&format!("unlocksim {kind} {}", meta.name));
    html += &format!("<h1>{heading} {}</h1>\n<p class=\"meta\">", xml_escape(&meta.name));
    let file = match meta.kind {
        SweepKind::Sweep => format!("sweep {}", meta.file),
        SweepKind::Replay => format!("log {}", meta.file),
    };
    html += &xml_escape(&format!(
        "unlocksim {} · {file} · seeds {} · interpretation {}",
        meta.program_version, meta.seeds, meta.interpretation
    ));
    for (file, hash) in &meta.scenarios {
        html += &format!("<br/>{base} {} sha256 {}", xml_escape(file), xml_escape(hash));
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
    let recommended = recommendation.map(|r| r.point_index);
    html += &pictures::heat_maps_section(points, metrics, recommended);
    html += &pictures::distributions_section(points, recommended);
    html += "<h2>Pareto front: security versus nuisance</h2>\n<p>Points no other point beats on \
    time to lock (p95), unlock-from-afar risk, false locks and availability at once.</p>\n<ul \
    id=\"pareto\">\n";
    for i in pareto_front(points) {
        html += &format!("<li>{}</li>\n", xml_escape(&describe(&points[i].params)));
    }
    html += "</ul>\n<h2>All points</h2>\n";
    html += &format!("<p id=\"intervals\">{}</p>\n", xml_escape(INTERVALS_TEXT));
    html += "<table id=\"points\">\n<tr>";
    let (header, rows) = points_table(points, metrics, CellStyle::Html);
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

/// What the report says about its intervals (the methods of [`crate::metrics::intervals`]).
pub const INTERVALS_TEXT: &str = "Intervals are 95% confidence intervals that stay inside each \
metric's range: Wilson score intervals of the pooled counts for shares (never-lock share, unlock \
availability, unlock from afar; Wilson 1927), Garwood's exact Poisson interval for false locks \
per seated hour (Garwood 1936), and distribution-free order-statistic intervals for the time to \
lock percentiles (Hahn & Meeker 1991, 5.2), whose upper end is 'never' when it reaches a \
walk-away that never locked. Shares and rates pool every run of a point: all events over all \
attempts or seated hours.";

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

mod pictures;
#[cfg(test)]
mod tests;
