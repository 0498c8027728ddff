use engine::time::SimTime;
use engine::trace::Entity;
use quick_xml::Reader;
use quick_xml::events::Event;
use rstest::rstest;
use serde_json::json;

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
        repro_flags: String::new(),
    }
}

#[test]
fn text_timeline_of_a_walk_away_day() {
    insta::assert_snapshot!(text_timeline(&walk_away_day(), &meta(), &MetricOptions::default()));
}

/// A network change says what it changed; a lock names the user's distance.
#[rstest]
#[case::one_option(
    json!({ "action": "network_change", "network": "lan", "changed": [
        { "option": "ipv4_dns_servers", "from": "10.0.0.1, 10.0.0.2", "to": "10.0.0.9" },
    ] }),
    "network_change lan: ipv4_dns_servers 10.0.0.1, 10.0.0.2 -> 10.0.0.9"
)]
#[case::two_options(
    json!({ "action": "network_change", "network": "lan", "changed": [
        { "option": "ipv6_gateway", "from": "none", "to": "21da:d3::fe" },
        { "option": "dns_suffix", "from": "corp.example", "to": "guest.example" },
    ] }),
    "network_change lan: ipv6_gateway none -> 21da:d3::fe; dns_suffix corp.example -> \
     guest.example"
)]
#[case::nothing(
    json!({ "action": "network_change", "network": "lan", "changed": [] }),
    "network_change lan: nothing changed"
)]
fn a_network_change_says_what_changed(#[case] payload: Value, #[case] text: &str) {
    let record = TraceRecord::new(SimTime::ZERO, Entity::world(), "action", payload);
    assert_eq!(describe(&record).as_deref(), Some(text));
}

#[rstest]
#[case::manual(json!({ "user_distance_m": 0.6 }), "LOCK manual (user at 0.6 m)")]
#[case::no_user(json!({}), "LOCK manual")]
#[case::dynamic_lock(
    json!({ "phone": "p", "idle_s": 31.5, "user_distance_m": 26.48 }),
    "LOCK manual (idle_s=31.5 phone=p; user at 26.48 m)"
)]
fn a_lock_names_the_users_distance(#[case] detail: Value, #[case] text: &str) {
    let lock = LockRecord { detail, reason: engine::trace::LockReason::Manual };
    let record = TraceRecord::typed(SimTime::ZERO, Entity::pc("desk"), &lock);
    assert_eq!(describe(&record).as_deref(), Some(text));
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
        "LOCK dynamic_lock (idle_s=45 phone=ana-phone)</title>",
        "UNLOCK DENIED event 6520",
        "UNLOCK with pin + trusted_signal",
        "event 8520 information",
        "rssiMin -10",
        "sha256 0123456789abcdef",
        "unlocksim run suite/walk-away.yaml --seed 7",
        "<td style=\"text-align:left\">Time to lock after walking away, median (s)</td><td>45</td>",
        "time since the start of the run (s)",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
}

/// The explanation an unlock record carries renders exactly as `policy eval` prints it.
#[test]
fn explanation_text_is_policy_evals_text() {
    use engine::policy::{
        CandidateOutcome, ElementOutcome, Evaluation, RuleOutcome, SignalOutcome,
    };
    let element = |name: &str, pass: bool| ElementOutcome {
        element: name.into(),
        required: ">= 80".into(),
        observed: if pass { "100".into() } else { "42".into() },
        pass,
    };
    let evaluation = Evaluation {
        result: false,
        rules: vec![RuleOutcome {
            rule: 1,
            combinator: "and",
            result: false,
            signals: vec![
                SignalOutcome {
                    signal_type: "wifi",
                    result: false,
                    candidates: vec![CandidateOutcome {
                        subject: "network contoso".into(),
                        result: false,
                        elements: vec![element("ssid", true), element("sig_quality", false)],
                    }],
                    note: None,
                },
                SignalOutcome {
                    signal_type: "bluetooth",
                    result: false,
                    candidates: Vec::new(),
                    note: Some("no paired device in range".into()),
                },
            ],
        }],
    };
    let value = serde_json::to_value(&evaluation).unwrap();
    assert_eq!(explanation_text(&value).as_deref(), Some(evaluation.render_text().as_str()));
    assert_eq!(explanation_text(&serde_json::json!("phone present")), None);
}

/// An 8-hour seated day with a Wi-Fi roam, a dock and an unlock evaluated on Wi-Fi.
fn eight_hour_day() -> Trace {
    use crate::testing::{poll, trace};
    use serde_json::json;
    let explanation = json!({ "result": true, "explanation": { "result": true, "rules": [{
        "rule": 1, "combinator": "signal", "result": true, "signals": [{ "type": "wifi",
        "result": true, "candidates": [{ "subject": "network contoso", "result": true,
        "elements": [{ "element": "sig_quality", "required": ">= 80", "observed": "91",
        "pass": true }] }] }] }] } });
    let mut records = vec![
        (
            0.0,
            "pc:desk",
            "wifi",
            json!({ "change": "connected", "access_point": "ap-desk", "bssid": "12-ab-34-ff-e5-46" }),
        ),
        (0.0, "user:ana", "at_desk", json!({ "pc": "desk", "value": true })),
        (
            7200.0,
            "pc:desk",
            "wifi",
            json!({ "change": "roamed", "from": "ap-desk", "to": "ap-hall", "bssid": "12-ab-34-ff-e5-47", "network_changed": true, "from_signal_dbm": -78.0, "signal_dbm": -55.0 }),
        ),
        (9000.0, "pc:desk", "action", json!({ "action": "dock", "on": true, "adapters": 1 })),
        (
            9100.0,
            "pc:desk",
            "unlock",
            json!({ "factors": ["pin", "trusted_signal"], "was_locked": true, "trusted_signal": explanation, "phone_distance_m": 0.6 }),
        ),
    ];
    for k in 0..=960 {
        records.push((
            f64::from(k) * 30.0,
            "pc:desk",
            "poll",
            poll("ana-phone", Some(-2), 0.6, -20),
        ));
    }
    records.sort_by(|a, b| a.0.total_cmp(&b.0));
    trace(&records)
}

/// (left, right) extent in px of every `time-tick` label of `svg`, estimated from its text.
fn tick_extents(svg: &str) -> Vec<(f64, f64, String)> {
    let mut reader = Reader::from_str(svg);
    let mut extents = Vec::new();
    let mut open: Option<f64> = None;
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == "text" => {
                let attr = |k: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .map(|a| a.value.to_string())
                };
                if attr("class").as_deref() == Some("time-tick") {
                    open = attr("x").map(|x| x.parse().unwrap());
                }
            }
            Event::Text(t) if open.is_some() => {
                let label: &str = t.as_ref();
                let half = label.chars().count() as f64 * 10.0 * crate::charts::CHAR_WIDTH_EM / 2.0;
                let x = open.take().unwrap();
                extents.push((x - half, x + half, label.to_string()));
            }
            _ => {}
        }
    }
    extents
}

#[test]
fn an_eight_hour_run_has_nice_time_ticks_that_neither_overlap_nor_clip() {
    let html = run_html(&eight_hour_day(), &meta(), &MetricOptions::default());
    let extents = tick_extents(&html);
    let labels: Vec<&str> = extents.iter().map(|e| e.2.as_str()).collect();
    assert!(labels.len() >= 4, "{labels:?}");
    // Hours, in nice steps (plotters' key points): 0, 1, 2, ... 8.
    assert_eq!(labels, ["0", "1", "2", "3", "4", "5", "6", "7", "8"]);
    assert!(html.contains("time since the start of the run (h)"));
    for pair in extents.windows(2) {
        assert!(pair[0].1 + 4.0 <= pair[1].0, "labels overlap: {pair:?}");
    }
    let width = LEFT + PLOT_W + RIGHT;
    assert!(extents.iter().all(|(l, r, _)| *l >= 0.0 && *r <= width), "{extents:?}");
}

#[rstest]
#[case::seconds(300.0, "s")]
#[case::minutes(3600.0, "min")]
#[case::two_hours(7200.0, "min")]
#[case::eight_hours(28_800.0, "h")]
#[case::a_week(604_800.0, "h")]
fn time_ticks_fit_every_length(#[case] end_s: f64, #[case] unit: &str) {
    let (got_unit, ticks) = crate::charts::time_ticks(end_s, PLOT_W, 10.0);
    assert_eq!(got_unit, unit);
    assert!(ticks.len() >= 3, "{ticks:?}");
    assert!(ticks.iter().all(|(t, _)| *t >= 0.0 && *t <= end_s), "{ticks:?}");
}

#[test]
fn wifi_and_ip_changes_are_charted_beside_bluetooth_with_explanations() {
    let html = run_html(&eight_hour_day(), &meta(), &MetricOptions::default());
    for needle in [
        "Wi-Fi ap-desk from 0:00:00.000 to 2:00:00.000",
        "IP configuration: roamed to ap-hall: other network",
        "IP configuration: dock adapters=1 on=true",
        "Wi-Fi signal quality 91 (required &gt;= 80)",
        "<details class=\"explanation\"><summary>trusted signal true: why</summary>",
        "pass sig_quality: required &gt;= 80, observed 91",
        "<table id=\"metrics\">",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
}

#[test]
fn the_index_links_every_page_with_its_outcome() {
    let page = |seed: u64, failed: &[&str]| IndexPage {
        seed,
        interpretation: "hysteresis".into(),
        href: format!("walk/seed-{seed}.html"),
        failed_here: failed.iter().map(|f| (*f).to_string()).collect(),
    };
    let scenarios = [
        IndexScenario {
            name: "walk".into(),
            file: "suite/walk.yaml".into(),
            passed: false,
            pages: vec![page(1, &[]), page(2, &["locks within 60s"])],
        },
        IndexScenario {
            name: "sit".into(),
            file: "suite/sit.yaml".into(),
            passed: true,
            pages: vec![page(7, &[])],
        },
    ];
    let html = run_index_html("0.1.0", &scenarios);
    let mut reader = Reader::from_str(&html);
    let mut links = Vec::new();
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("not well-formed: {e}")) {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == "a" => {
                let href = e.attributes().flatten().find(|a| a.key.as_ref() == "href").unwrap();
                links.push(href.value.to_string());
            }
            _ => {}
        }
    }
    assert_eq!(links, ["walk/seed-1.html", "walk/seed-2.html", "walk/seed-7.html"]);
    assert!(html.contains("2 scenario(s): 1 passed, 1 failed"));
    assert!(html.contains("FAILED locks within 60s"));
}
