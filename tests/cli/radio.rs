//! `unlocksim radio`: the relative-RSSI-by-distance tool (a stable contract).

use crate::util::unlocksim;

fn json_output(args: &[&str]) -> serde_json::Value {
    let output = unlocksim(args);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("one JSON object on stdout")
}

#[test]
fn json_points_have_the_documented_fields_and_the_grpr_shape() {
    let value = json_output(&["radio", "--distances", "0..20:5", "--samples", "300", "--json"]);
    let points = value["points"].as_array().expect("points array");
    assert_eq!(points.len(), 5);
    for field in ["distance_m", "rssi_mean", "rssi_p05", "rssi_p50", "rssi_p95", "absent_share"] {
        assert!(points.iter().all(|p| p.get(field).is_some()), "missing {field}");
    }
    // Flat at 0 next to the PC, falling further away.
    assert_eq!(points[0]["rssi_p50"], 0);
    assert!(points[4]["rssi_p50"].as_i64().expect("int") < -10, "{}", points[4]);
}

#[test]
fn the_same_seed_gives_the_same_output_and_another_seed_differs() {
    let args = ["radio", "--distances", "5..10:5", "--samples", "200", "--json"];
    assert_eq!(unlocksim(&args).stdout, unlocksim(&args).stdout);
    let other = [&args[..], &["--seed", "2"]].concat();
    assert_ne!(unlocksim(&args).stdout, unlocksim(&other).stdout);
}

#[test]
fn thresholds_add_shares_and_crossing_distances() {
    let value = json_output(&[
        "radio",
        "--distances",
        "0..30:2",
        "--samples",
        "200",
        "--rssi-min",
        "-10",
        "--rssi-max-delta",
        "-10",
        "--json",
    ]);
    let crossing = value["median_below_rssi_min_at_m"].as_f64().expect("crosses within 30 m");
    assert!((5.0..=30.0).contains(&crossing), "{crossing}");
    assert_eq!(value["points"][0]["present_share"], 1.0);
    let text =
        unlocksim(&["radio", "--distances", "0..10:5", "--samples", "50", "--rssi-min", "-10"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("median falls below rssiMin -10 at"), "{stdout}");
}

#[test]
fn walls_and_a_bag_bring_the_crossing_closer() {
    let crossing = |extra: &[&str]| {
        let args = [
            &["radio", "--distances", "0..30:1", "--samples", "200", "--rssi-min", "-10", "--json"]
                [..],
            extra,
        ]
        .concat();
        json_output(&args)["median_below_rssi_min_at_m"].as_f64().unwrap_or(f64::INFINITY)
    };
    let base = crossing(&[]);
    assert!(crossing(&["--walls", "2"]) < base);
    assert!(crossing(&["--carry", "bag"]) < base);
}

#[test]
fn a_phone_two_floors_up_reads_below_the_absence_threshold() {
    // 0.5 m on the plan, two floors up: 7.02 m and 18 dB of floors (P.1238-10 Table 3), a mean
    // of -25.6 dB; on the PC's floor power control holds it at 0.
    let point = |floors: &str| {
        // An 8 dB carry (the pocket of the figures above) given as a custom loss.
        let args = ["radio", "--distances", "0.5..0.5:1", "--samples", "400", "--json"];
        let args = [&args[..], &["--carry-loss-db", "8"]].concat();
        let value = json_output(&[&args[..], &["--floors", floors, "--rssi-min", "-10"]].concat());
        assert_eq!(value["floors"], floors.parse::<u32>().expect("number"));
        value["points"][0].clone()
    };
    assert_eq!(point("0")["rssi_p50"], 0);
    let upstairs = point("2");
    assert!((-27..=-24).contains(&upstairs["rssi_p50"].as_i64().expect("int")), "{upstairs}");
    assert!(upstairs["absent_by_rule_share"].as_f64().expect("share") > 0.7, "{upstairs}");
}

#[test]
fn lists_and_usage_errors() {
    let environments = unlocksim(&["radio", "--environment", "list"]);
    assert_eq!(environments.status.code(), Some(0));
    let text = String::from_utf8_lossy(&environments.stdout);
    for name in ["office_los", "office_nlos", "corridor", "open_plan", "home"] {
        assert!(text.contains(name), "{name} missing from {text}");
    }
    let carries = unlocksim(&["radio", "--carry", "list"]);
    let carries = String::from_utf8_lossy(&carries.stdout).into_owned();
    assert!(carries.contains("back_pocket") && carries.contains("chest_pocket"), "{carries}");
    for bad in [
        &["radio", "--environment", "moon"][..],
        &["radio", "--carry", "sock"],
        &["radio", "--distances", "9..1:1"],
        &["radio", "--samples", "0"],
        &["radio", "--facing", "north"],
        &["radio", "--carry-loss-db", "61"],
        &["radio", "--carry-loss-db", "-1"],
        &["radio", "--carry-loss-db", "6", "--carry-side", "left"],
        &["radio", "--carry", "bag", "--carry-loss-db", "6"],
        // Outside the signed byte the XML rule accepts for rssiMin and rssiMaxDelta.
        &["radio", "--rssi-min", "500"],
        &["radio", "--rssi-min", "-129"],
        &["radio", "--rssi-min", "-10", "--rssi-max-delta", "128"],
    ] {
        let output = unlocksim(bad);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("error"), "{bad:?}");
    }
}

#[test]
fn distances_outside_the_presets_fitted_range_are_named() {
    let value = json_output(&["radio", "--distances", "0..40:20", "--samples", "20", "--json"]);
    assert_eq!(value["fitted_range_m"], serde_json::json!([4.0, 30.0]));
    assert_eq!(value["outside_fitted_range_m"], serde_json::json!([0.0, 40.0]));
    assert_eq!(value["exponent_beyond_fitted_range"], 2.46);
    let text = |args: &[&str]| String::from_utf8_lossy(&unlocksim(args).stdout).into_owned();
    let stdout = text(&["radio", "--distances", "0..40:20", "--samples", "20"]);
    assert!(
        stdout.contains(
            "note: office_nlos is fitted on 4-30 m (ITU-R P.1238-10 Table 2): 1 distance(s) \
             nearer use at least free-space loss, 1 beyond continue at n = 2.46"
        ),
        "{stdout}"
    );
    // Inside the range, and a preset without a stated range: no note.
    let inside = text(&["radio", "--distances", "4..30:26", "--samples", "20"]);
    let home =
        text(&["radio", "--environment", "home", "--distances", "0..99:99", "--samples", "20"]);
    assert!(!inside.contains("note:") && !home.contains("note:"), "{inside}{home}");
}

#[rstest::rstest]
// Container + 12 dB × cos² on the shadowed side (`CarryLosses`): a front pocket is shadowed
// with the PC behind (away), a back pocket with the PC ahead (toward); side-on, neither.
#[case(&["--carry", "trouser_pocket", "--facing", "toward"], "trouser_pocket", 5.0)]
#[case(&["--carry", "trouser_pocket", "--facing", "away"], "trouser_pocket", 17.0)]
#[case(&["--carry", "back_pocket", "--facing", "toward"], "back_pocket", 21.0)]
#[case(&["--carry", "back_pocket", "--facing", "away"], "back_pocket", 9.0)]
#[case(&["--carry", "chest_pocket", "--facing", "away"], "chest_pocket", 16.0)]
#[case(&["--carry", "bag", "--facing", "away"], "bag", 15.0)]
#[case(&["--carry-loss-db", "6"], "custom 6 dB none", 6.0)]
#[case(&["--carry-loss-db", "6", "--carry-side", "back", "--facing", "toward"], "custom 6 dB back", 18.0)]
fn facing_and_carry_set_the_body_loss(
    #[case] extra: &[&str],
    #[case] carry: &str,
    #[case] loss_db: f64,
) {
    let args = ["radio", "--distances", "10..10:1", "--samples", "20", "--json"];
    let value = json_output(&[&args[..], extra].concat());
    assert_eq!(value["carry"], carry);
    assert_eq!(value["carry_loss_db"], loss_db);
    let facing = extra.iter().position(|a| *a == "--facing").map_or("side", |i| extra[i + 1]);
    assert_eq!(value["facing"], facing);
}

#[test]
fn walking_away_brings_a_front_pocket_crossing_closer_than_a_back_pocket() {
    let crossing = |carry: &str, facing: &str| {
        let args = ["radio", "--distances", "0..40:1", "--samples", "200", "--rssi-min", "-10"];
        let value =
            json_output(&[&args[..], &["--carry", carry, "--facing", facing, "--json"]].concat());
        value["median_below_rssi_min_at_m"].as_f64().unwrap_or(f64::INFINITY)
    };
    assert!(crossing("trouser_pocket", "away") < crossing("back_pocket", "away"));
    assert!(crossing("back_pocket", "toward") < crossing("trouser_pocket", "toward"));
}
