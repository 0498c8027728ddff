use quick_xml::Reader;
use quick_xml::events::Event;

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
        name: "grid".into(),
        file: "studies/grid.yaml".into(),
        scenarios: vec![("suite/walk.yaml".into(), "ab12".into())],
        seeds: "1..=4".into(),
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
    let cells: Vec<Vec<String>> =
        parsed.table.iter().map(|row| row[..row.len() - 1].to_vec()).collect();
    assert_eq!(cells, csv_rows);
    assert!(html.contains("<section id=\"recommendation\">"), "the recommendation block");
    assert!(html.contains("time_to_lock_p95_s_max 90"), "the criteria are stated");
    assert_eq!(csv_rows.len(), 7);
    assert!(html.contains("sha256 ab12"), "the report records the scenario hash");
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
