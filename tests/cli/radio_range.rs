//! `unlocksim radio`'s range effect and `--calibration`: how far each radio unknown moves the
//! profile across its documented range (issue 14, "Unknowns as ranges, not facts").

use crate::util::unlocksim;

fn json_output(args: &[&str]) -> serde_json::Value {
    let output = unlocksim(args);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("one JSON object on stdout")
}

const ARGS: [&str; 6] = ["radio", "--distances", "0..40:2", "--samples", "200", "--json"];

/// The range effect entry of `name`.
fn effect(value: &serde_json::Value, name: &str) -> serde_json::Value {
    let effects = value["range_effect"].as_array().expect("range_effect array");
    effects.iter().find(|e| e["name"] == name).cloned().unwrap_or_else(|| panic!("no {name}"))
}

/// Office NLoS (38.75 dB at 1 m, 24.6 dB per decade), trouser pocket (8 dB), +4 dBm at full
/// power. A reading of -20 is a received power 20 dB below the GRPR's lower limit. At -56 dBm
/// that is -76 dBm, a loss of 80 dB: 10^((80 - 38.75 - 8) / 24.6) = 22.5 m (the median, with
/// shadowing, crosses near 24 m). At the range's low end, sensitivity + 6 = -84 dBm, it would be
/// -104 dBm, below the -90 dBm sensitivity: the reading never falls below -20 while the phone
/// connects, and most polls fail only past a loss of 94 dB, 10^(47.25 / 24.6) = 83 m. So a
/// lower GRPR limit moves the crossing out of the 40 m requested: `null`.
#[test]
fn a_lower_grpr_limit_moves_the_crossing_further_away() {
    let value = json_output(&ARGS);
    assert_eq!(value["range_effect_absence_threshold"], -20);
    let names: Vec<&str> = value["range_effect"]
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["name"].as_str().expect("name"))
        .collect();
    let expected = [
        "grpr_lower_dbm",
        "grpr_width_db",
        "tx_power_dbm_max",
        "sensitivity_dbm",
        "coexistence_loss_db",
    ];
    assert_eq!(names, expected);
    let grpr = effect(&value, "grpr_lower_dbm");
    assert_eq!([&grpr["low"], &grpr["default"], &grpr["high"]], [-84.0, -56.0, -56.0]);
    let at_default = grpr["crossing_m_at_default"].as_f64().expect("crosses within 40 m");
    assert!((20.0..=28.0).contains(&at_default), "{grpr}");
    assert_eq!(grpr["crossing_m_at_low"], serde_json::Value::Null, "{grpr}");
    // At 10 m the low limit reads 0 (inside the range), the default about -11.
    assert_eq!(
        grpr["at_low"]["rssi_p50_at"][1],
        serde_json::json!({"distance_m": 10.0, "rssi_p50": 0})
    );
}

/// 10 dB of coexistence loss is 10 dB less link: the -20 crossing comes in to
/// 10^((70 - 38.75 - 8) / 24.6) = 8.8 m, in the range effect and with `--calibration`.
#[test]
fn coexistence_loss_brings_the_crossing_closer() {
    let value = json_output(&ARGS);
    let coexistence = effect(&value, "coexistence_loss_db");
    let high = coexistence["crossing_m_at_high"].as_f64().expect("crosses");
    assert!((6.0..=12.0).contains(&high), "{coexistence}");
    let calibrated = json_output(
        &[&ARGS[..], &["--rssi-min", "-10", "--calibration", "coexistence_loss_db=10"]].concat(),
    );
    let crossing = calibrated["median_below_absent_threshold_at_m"].as_f64().expect("crosses");
    assert_eq!(crossing, high, "the same samples as the range effect's high end");
    // The range effect then starts from the calibrated value.
    assert_eq!(effect(&calibrated, "coexistence_loss_db")["default"], 10.0);
}

#[test]
fn the_text_output_has_a_range_effect_table() {
    let output = unlocksim(&["radio", "--distances", "0..30:5", "--samples", "50"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("range effect: each radio unknown at the ends"), "{stdout}");
    assert!(stdout.contains("tx_power_dbm_max"), "{stdout}");
}

#[test]
fn bad_calibration_pairs_are_usage_errors() {
    for (bad, says) in [
        ("grpr_lower=-60", "did you mean `grpr_lower_dbm`"),
        ("grpr_width_db=40", "grpr_width_db must lie in [14, 26] dB, not 40"),
        ("lock_delay=30", "not a radio unknown"),
    ] {
        let output = unlocksim(&["radio", "--calibration", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{bad}: {stderr}");
    }
}
