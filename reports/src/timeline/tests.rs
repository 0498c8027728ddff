use quick_xml::Reader;
use quick_xml::events::Event;
use rstest::rstest;

use super::*;
use crate::testing::walk_away_day;

fn meta() -> RunMeta {
    RunMeta {
        scenario_name: "walk away".into(),
        scenario_file: "suite/walk-away.yaml".into(),
        content_hash: "0123456789abcdef".into(),
        seed: 7,
        program_version: "0.1.0".into(),
        interpretation: "rssi_delta_reference=hysteresis".into(),
    }
}

#[test]
fn text_timeline_of_a_walk_away_day() {
    insta::assert_snapshot!(text_timeline(&walk_away_day(), &meta(), &MetricOptions::default()));
}

#[rstest]
#[case(0, "0:00:00.000")]
#[case(1_500, "0:00:00.001")]
#[case(3_723_456_000, "1:02:03.456")]
fn times(#[case] us: u64, #[case] text: &str) {
    assert_eq!(fmt_time_us(us), text);
}

#[test]
fn run_page_is_well_formed_with_a_timeline_per_pc_and_marks() {
    let html = run_html(&walk_away_day(), &meta(), &MetricOptions::default());
    let mut reader = Reader::from_str(&html);
    reader.config_mut().check_end_names = true;
    let (mut timelines, mut depth, mut polylines) = (Vec::new(), 0i32, 0);
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("not well-formed: {e}")) {
            Event::Eof => break,
            Event::Start(e) => {
                depth += 1;
                if e.name().as_ref() == "svg" {
                    let pc = e.attributes().flatten().find(|a| a.key.as_ref() == "data-pc");
                    timelines.push(pc.unwrap().value.to_string());
                }
            }
            Event::Empty(e) if e.name().as_ref() == "polyline" => polylines += 1,
            Event::End(_) => depth -= 1,
            _ => {}
        }
    }
    assert_eq!(depth, 0);
    assert_eq!(timelines, ["pc:desk"]);
    // RSSI (two segments around the failed poll), absence threshold, distance.
    assert_eq!(polylines, 4);
    for needle in [
        "lock: dynamic_lock",
        "denied 6520",
        "UNLOCK with pin + trusted_signal",
        "event 8520 information",
        "rssiMin -10",
        "sha256 0123456789abcdef",
        "unlocksim run suite/walk-away.yaml --seed 7",
        "time_to_lock_s_p50: 45",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
}
