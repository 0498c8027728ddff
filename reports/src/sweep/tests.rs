use quick_xml::Reader;
use quick_xml::events::Event;
use rstest::rstest;

use super::*;
use crate::metrics::{Estimate, RunMetrics};

pub(crate) fn estimate(mean: f64) -> Option<Estimate> {
    Some(Estimate { mean, ci95_low: mean - 0.01, ci95_high: mean + 0.01, runs_count: 10 })
}

/// A 3 x 2 grid over rssi_min x rssi_max_delta with made-up but monotone metrics: a higher
/// rssi_min locks faster but locks more often while seated.
pub(crate) fn grid() -> Vec<SweepPoint> {
    let mut points = Vec::new();
    for rssi_min in [-5i64, -10, -15] {
        for delta in [-5i64, -10] {
            let strictness = (-rssi_min - delta) as f64; // 10..=25
            let runs: Vec<RunMetrics> = (0..4)
                .map(|seed| RunMetrics {
                    time_to_lock_us: vec![Some(((strictness * 2.0) as u64 + seed) * 1_000_000)],
                    ..RunMetrics::default()
                })
                .collect();
            let mut metrics = AggregateMetrics::from_runs(&runs);
            metrics.false_locks_per_h = estimate(2.5 / strictness);
            metrics.unlock_availability_share = estimate(1.0 - 0.5 / strictness);
            metrics.unlock_from_afar_share = estimate(strictness / 100.0);
            points.push(SweepPoint {
                params: vec![
                    ("rssi_min".into(), ParamValue::Int(rssi_min)),
                    ("rssi_max_delta".into(), ParamValue::Int(delta)),
                ],
                failed_runs: Vec::new(),
                metrics,
                command: format!("unlocksim run walk.yaml --set rssi_min={rssi_min}"),
            });
        }
    }
    points
}

fn meta() -> SweepMeta {
    SweepMeta {
        kind: SweepKind::Sweep,
        name: "grid".into(),
        file: "studies/grid.yaml".into(),
        scenarios: vec![("suite/walk.yaml".into(), "ab12".into())],
        seeds: "1-4".into(),
        program_version: "0.1.0".into(),
        interpretation: "scenario defaults".into(),
        criteria: RecommendationCriteria::default(),
        objective: Objective::FastestLock,
    }
}

struct Parsed {
    heat_maps: Vec<String>,
    table: Vec<Vec<String>>,
}

/// Parses the page as XML (failing on any well-formedness error) and collects the heat maps and
/// the table of points.
fn parse(html: &str) -> Parsed {
    let mut reader = Reader::from_str(html);
    reader.config_mut().check_end_names = true;
    let mut parsed = Parsed { heat_maps: Vec::new(), table: Vec::new() };
    let (mut in_table, mut in_cell) = (false, false);
    let mut depth = 0i32;
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("not well-formed: {e}")) {
            Event::Eof => break,
            Event::Start(e) => {
                depth += 1;
                let name = e.name().as_ref().to_string();
                let attr = |key: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == key)
                        .map(|a| a.value.to_string())
                };
                if name == "svg" && attr("class").as_deref() == Some("heatmap") {
                    parsed.heat_maps.push(attr("data-metric").unwrap());
                }
                if name == "table" && attr("id").as_deref() == Some("points") {
                    in_table = true;
                }
                if in_table && name == "tr" {
                    parsed.table.push(Vec::new());
                }
                if in_table && (name == "td" || name == "th") {
                    in_cell = true;
                    parsed.table.last_mut().unwrap().push(String::new());
                }
            }
            Event::End(e) => {
                depth -= 1;
                match e.name().as_ref() {
                    "table" => in_table = false,
                    "td" | "th" => in_cell = false,
                    _ => {}
                }
            }
            Event::Text(t) if in_cell => {
                let text: &str = t.as_ref();
                parsed.table.last_mut().unwrap().last_mut().unwrap().push_str(text);
            }
            Event::GeneralRef(r) if in_cell => {
                let name: &str = r.as_ref();
                let c = match name {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    _ => "'",
                };
                parsed.table.last_mut().unwrap().last_mut().unwrap().push_str(c);
            }
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unbalanced elements");
    parsed
}

#[test]
fn html_parses_with_one_heat_map_per_metric_and_the_csv_numbers() {
    let points = grid();
    let r = recommend(&points, &RecommendationCriteria::default(), Objective::FastestLock);
    let html = sweep_html(&meta(), &points, &Metric::ALL, r.as_ref());
    let parsed = parse(&html);
    let names: Vec<String> = Metric::ALL.iter().map(|m| m.name().to_string()).collect();
    assert_eq!(parsed.heat_maps, names);
    let csv = sweep_csv(&points, &Metric::ALL);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut csv_rows = vec![reader.headers().unwrap().iter().map(String::from).collect::<Vec<_>>()];
    csv_rows.extend(reader.records().map(|r| r.unwrap().iter().map(String::from).collect()));
    // The HTML table has the CSV's cells and each point's reproduce command.
    let commands: Vec<String> =
        parsed.table.iter().map(|row| row.last().unwrap().clone()).collect();
    assert_eq!(commands[0], "command");
    assert_eq!(commands[1], points[0].command);
    assert!(html.contains("<section id=\"recommendation\">"), "the recommendation block");
    assert!(html.contains("time_to_lock_p95_s_max 90"), "the criteria are stated");
    assert_eq!(csv_rows.len(), 7);
    // The HTML table has the CSV's numbers; where the CSV cell is empty it says why.
    assert_eq!(parsed.table.len(), csv_rows.len());
    for (html_row, csv_row) in parsed.table.iter().zip(&csv_rows) {
        let html_row = &html_row[..html_row.len() - 1];
        assert_eq!(html_row.len(), csv_row.len());
        for (h, c) in html_row.iter().zip(csv_row) {
            if c.is_empty() {
                assert!(["never", "unbounded", "-"].contains(&h.as_str()), "{h:?}");
            } else {
                assert_eq!(h, c);
            }
        }
    }
    assert!(html.contains("sha256 ab12"), "the report records the scenario hash");
    assert!(html.contains("Intervals are 95% confidence intervals"), "the methods are stated");
    assert!(!html.contains("<script"), "no scripts");
    assert_eq!(html.matches("http").count(), html.matches("xmlns=\"http").count(), "no links");
}

#[test]
fn a_third_parameter_slices_the_heat_maps() {
    let mut points = grid();
    let mut more = grid();
    for p in &mut points {
        p.params.push(("reference".into(), ParamValue::Text("hysteresis".into())));
    }
    for p in &mut more {
        p.params.push(("reference".into(), ParamValue::Text("peak_rssi".into())));
    }
    points.extend(more);
    let html = sweep_html(&meta(), &points, &[Metric::FalseLocks], None);
    assert_eq!(parse(&html).heat_maps, ["false_locks_per_h", "false_locks_per_h"]);
    assert!(html.contains("reference=peak_rssi"));
}

#[test]
fn csv_snapshot() {
    insta::assert_snapshot!(sweep_csv(&grid()[..2], &[Metric::TimeToLockP95, Metric::FalseLocks]));
}

#[test]
fn writes_all_three_files() {
    let dir = std::env::temp_dir().join(format!("reports-sweep-{}", std::process::id()));
    let points = grid();
    // Unlock from afar is 10% to 25% in this grid: a study that accepts up to 30%.
    let criteria = RecommendationCriteria {
        unlock_from_afar_share_max: 0.3,
        ..RecommendationCriteria::default()
    };
    let meta = SweepMeta { criteria, ..meta() };
    let r = recommend(&points, &criteria, Objective::FastestLock);
    write_sweep_report(&dir, &meta, &points, &Metric::ALL, r.as_ref()).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("points.json")).unwrap()).unwrap();
    assert_eq!(json["points"].as_array().unwrap().len(), 6);
    // False locks <= 0.1/h needs the strictest point: rssi_min=-15, rssi_max_delta=-10.
    assert_eq!(json["recommendation"]["point_index"], 5);
    assert_eq!(json["meta"]["criteria"]["false_locks_per_h_max"], 0.1);
    assert_eq!(json["objective"], "fastest_lock");
    assert!(json["points"][0]["command"].as_str().unwrap().starts_with("unlocksim run"));
    assert!(dir.join("report.html").exists() && dir.join("points.csv").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

/// The grid plus a point that never locks and one where nobody walked away or unlocked.
fn grid_with_gaps() -> Vec<SweepPoint> {
    let mut points = grid();
    points[0].metrics = AggregateMetrics::from_runs(&[RunMetrics {
        time_to_lock_us: vec![None, None, Some(5_000_000)],
        seated_us: 3_600_000_000,
        ..RunMetrics::default()
    }]);
    points[1].metrics = AggregateMetrics::from_runs(&[RunMetrics::default()]);
    points
}

#[test]
fn csv_numeric_columns_hold_only_numbers_or_nothing() {
    let mut points = grid_with_gaps();
    for p in &mut points {
        p.params.push(("reference".into(), ParamValue::Text("peak_rssi".into())));
    }
    let csv = sweep_csv(&points, &Metric::ALL);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert!(header.contains(&"time_to_lock_never_count".to_string()), "{header:?}");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mut empty_cells = 0;
    for (column, name) in header.iter().enumerate().skip(3) {
        for row in &rows {
            let cell = &row[column];
            empty_cells += usize::from(cell.is_empty());
            assert!(cell.is_empty() || cell.parse::<f64>().is_ok(), "{name}: {cell:?}");
        }
    }
    assert!(empty_cells > 0, "the never and unmeasured points leave cells empty");
    assert_eq!(&rows[0][header.iter().position(|h| h == "time_to_lock_never_count").unwrap()], "2");
    assert_eq!(&rows[0][header.iter().position(|h| h == "time_to_lock_s_p95").unwrap()], "");
}

/// What a heat map shows, read from its SVG: legends, recommended outlines, never cells and
/// each cell's fill by point index.
#[derive(Debug, Default)]
struct MapParts {
    legends: usize,
    outlined: usize,
    hatched_cells: usize,
    hatch_patterns: usize,
    fills: Vec<(usize, String)>,
}

/// The parts of every heat map of `metric` in `html`, one entry per map.
fn heat_map_parts(html: &str, metric: Metric) -> Vec<MapParts> {
    let mut reader = Reader::from_str(html);
    let mut maps: Vec<MapParts> = Vec::new();
    let (mut inside, mut cell): (bool, Option<usize>) = (false, None);
    loop {
        let (element, empty) = match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) => (e.into_owned(), false),
            Event::Empty(e) => (e.into_owned(), true),
            Event::End(e) if e.name().as_ref() == "svg" => {
                inside = false;
                continue;
            }
            _ => continue,
        };
        let attr = |key: &str| {
            element
                .attributes()
                .flatten()
                .find(|a| a.key.as_ref() == key)
                .map(|a| a.value.to_string())
        };
        let name = element.name().as_ref().to_string();
        let class = attr("class").unwrap_or_default();
        if name == "svg" && class == "heatmap" {
            inside = attr("data-metric").as_deref() == Some(metric.name());
            if inside {
                maps.push(MapParts::default());
            }
            continue;
        }
        let Some(map) = maps.last_mut().filter(|_| inside) else { continue };
        match (name.as_str(), class.as_str()) {
            ("g", "legend") => map.legends += 1,
            ("pattern", "hatch") => map.hatch_patterns += 1,
            ("rect", "recommended") => map.outlined += 1,
            ("g", c) if c.starts_with("cell") => {
                cell = attr("data-point").map(|p| p.parse().unwrap());
                map.hatched_cells += usize::from(c == "cell never");
            }
            ("rect", _) if cell.is_some() => {
                map.fills.push((cell.take().unwrap(), attr("fill").unwrap()));
            }
            _ => {}
        }
        let _ = empty;
    }
    maps
}

/// The recommendation under the default criteria and objective.
fn recommended(points: &[SweepPoint]) -> Option<Recommendation> {
    recommend(points, &RecommendationCriteria::default(), Objective::FastestLock)
}

#[rstest]
#[case::time(Metric::TimeToLockP95)]
#[case::never_share(Metric::NeverLock)]
#[case::rate(Metric::FalseLocks)]
#[case::availability(Metric::UnlockAvailability)]
#[case::afar(Metric::UnlockFromAfar)]
fn every_heat_map_has_a_legend_and_outlines_the_recommended_cell(#[case] metric: Metric) {
    let points = grid_with_gaps();
    let html = sweep_html(&meta(), &points, &[metric], recommended(&points).as_ref());
    let maps = heat_map_parts(&html, metric);
    assert_eq!(maps.len(), 1);
    assert_eq!(maps[0].legends, 1, "{metric:?}");
    assert_eq!(maps[0].outlined, 1, "{metric:?}: the recommended cell is outlined");
    assert_eq!(maps[0].fills.len(), points.len());
}

#[test]
fn never_is_hatched_in_the_worst_colour() {
    let points = grid_with_gaps();
    let html =
        sweep_html(&meta(), &points, &[Metric::TimeToLockP95], recommended(&points).as_ref());
    let map = &heat_map_parts(&html, Metric::TimeToLockP95)[0];
    assert_eq!(map.hatched_cells, 1, "point 0 never locked at p95");
    assert!(map.hatch_patterns >= 1);
    let fill = &map.fills.iter().find(|(p, _)| *p == 0).unwrap().1;
    assert!(fill.starts_with("url(#") && fill.contains("hatch"), "{fill}");
    assert!(html.contains(&format!("fill=\"{}\"", crate::charts::ramp(0.0))), "worst colour");
}

#[rstest]
// A share's 0 and 1 are the scale's two ends, whichever way the metric is better.
#[case::availability_one(Metric::UnlockAvailability, 1.0, 1.0)]
#[case::availability_zero(Metric::UnlockAvailability, 0.0, 0.0)]
#[case::afar_zero(Metric::UnlockFromAfar, 0.0, 1.0)]
#[case::afar_one(Metric::UnlockFromAfar, 1.0, 0.0)]
#[case::never_share_zero(Metric::NeverLock, 0.0, 1.0)]
// Past the cap is the worst colour; 0 s is the best.
#[case::time_zero(Metric::TimeToLockP95, 0.0, 1.0)]
#[case::time_past_cap(Metric::TimeToLockP95, 500.0, 0.0)]
#[case::rate_zero(Metric::FalseLocks, 0.0, 1.0)]
fn share_ends_are_the_scale_ends(#[case] metric: Metric, #[case] value: f64, #[case] end: f64) {
    let mut points = grid();
    let estimate = Some(Estimate { mean: value, ci95_low: value, ci95_high: value, runs_count: 1 });
    match metric {
        Metric::UnlockAvailability => points[2].metrics.unlock_availability_share = estimate,
        Metric::UnlockFromAfar => points[2].metrics.unlock_from_afar_share = estimate,
        Metric::NeverLock => points[2].metrics.never_lock_share = Some(value),
        Metric::FalseLocks => points[2].metrics.false_locks_per_h = estimate,
        _ => points[2].metrics.time_to_lock_s_p95 = Some(value),
    }
    let html = sweep_html(&meta(), &points, &[metric], recommended(&points).as_ref());
    let map = &heat_map_parts(&html, metric)[0];
    let fill = &map.fills.iter().find(|(p, _)| *p == 2).unwrap().1;
    assert_eq!(*fill, crate::charts::ramp(end));
    let expected_end = format!("#{:x}", colorous::VIRIDIS.eval_continuous(end));
    assert_eq!(*fill, expected_end, "the library's own end colour");
}

#[test]
fn distributions_chart_the_recommended_point_microsoft_defaults_and_neighbours() {
    let mut points = grid();
    // rssi_min -10, rssi_max_delta -10 is point 3.
    for (i, p) in points.iter_mut().enumerate() {
        p.metrics.time_to_lock_us = vec![Some(10_000_000 * (i as u64 + 1)), None];
    }
    let html =
        sweep_html(&meta(), &points, &[Metric::TimeToLockP95], recommended(&points).as_ref());
    // Every point never locks in half its walk-aways, so none is acceptable: the chart shows the
    // closest setting, whichever the rule picks, beside the defaults and its grid neighbours.
    let r = recommended(&points).unwrap().point_index;
    let recommended_label = format!("recommended: {}", describe(&points[r].params));
    assert!(html.contains(&recommended_label), "{recommended_label}");
    assert!(html.contains("Microsoft defaults: rssi_min=-10, rssi_max_delta=-10"));
    let neighbours = html.matches("neighbour: ").count();
    assert!((2..=4).contains(&neighbours), "{neighbours} neighbours");
    assert_eq!(html.matches("<svg class=\"cdf\"").count(), 1);
    assert_eq!(html.matches("<svg class=\"pareto\"").count(), 1);
}
