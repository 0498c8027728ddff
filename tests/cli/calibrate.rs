//! `unlocksim calibrate` (issue 18): logs in, fitted numbers with intervals out, and an
//! `environment:` block that a scenario loads as written. Hostile logs are in the catalogue.

use crate::util::{repo_root, run_text};

/// A fresh temporary folder for one test.
fn temp(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("unlocksim-calibrate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}

fn json(args: &[&str]) -> serde_json::Value {
    let (code, stdout, stderr) = run_text(args);
    assert_eq!(code, Some(0), "{stderr}");
    serde_json::from_str(&stdout).expect("one JSON object")
}

fn interval(value: &serde_json::Value) -> [f64; 2] {
    let ci = &value["ci95"];
    [ci[0].as_f64().expect("low"), ci[1].as_f64().expect("high")]
}

#[test]
fn the_example_capture_is_fitted_back_within_its_intervals() {
    // examples/calibrate/capture.csv was made with n 2.5, path_loss_1m_db 40.2, σ 4 dB.
    let fit = json(&["calibrate", "examples/calibrate/capture.csv", "--json"]);
    assert_eq!(fit["quantity"], "relative");
    for (key, truth) in [("path_loss_exponent", 2.5), ("path_loss_1m_db", 40.2), ("sigma_db", 4.0)]
    {
        let [lo, hi] = interval(&fit[key]);
        assert!(lo <= truth && truth <= hi, "{key}: {truth} outside [{lo}, {hi}]");
    }
    assert_eq!(fit["readings"]["places"], 8);
    // Everything the capture can identify is fitted; the carry's loss never is (one carry).
    assert_eq!(
        fit["not_identifiable"],
        serde_json::json!([
            "carry_loss_db: one carry position throughout, so its loss cannot be told from the 1 m \
             loss; taken from --carry (hand 3.0 dB)"
        ])
    );
}

#[test]
fn the_written_environment_runs_in_a_scenario() {
    let dir = temp("out");
    let out = dir.join("env.yaml");
    let out_text = out.to_str().expect("UTF-8 path");
    let (code, stdout, stderr) =
        run_text(&["calibrate", "examples/calibrate/capture.csv", "--out", out_text]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("wrote"), "{stdout}");
    let block = std::fs::read_to_string(&out).expect("written");
    assert!(block.contains("environment:\n  preset: open_plan\n  path_loss_1m_db:"), "{block}");
    let indented: String = block.lines().map(|l| format!("  {l}\n")).collect();
    let scenario = format!(
        "name: calibrated\nseed: 1\nruns: 1\nduration: 2m\nworld:\n{indented}  pcs:\n    desk: \
         {{position: [0, 0], paired_phones: [p]}}\n  phones:\n    p: {{carried_by: ana, carry: \
         hand}}\n  users:\n    ana: {{position: [0.6, 0]}}\n"
    );
    let path = dir.join("calibrated.yaml");
    std::fs::write(&path, scenario).expect("written");
    let (code, _, stderr) = run_text(&["run", path.to_str().expect("UTF-8")]);
    assert_eq!(code, Some(0), "{stderr}");
}

/// One `hcitool rssi` loop per spot, distances after `@`; a btmon advertising trace with two
/// devices, one chosen, and a transmit power for the 1 m loss.
#[test]
fn hcitool_and_btmon_logs_are_fitted_with_their_quantity() {
    let dir = temp("formats");
    let spots = [(2.0, -1), (5.0, -7), (8.0, -13), (12.0, -15), (16.0, -20)];
    let mut args = vec!["calibrate".to_owned(), "--json".to_owned()];
    for (index, (distance_m, level)) in spots.iter().enumerate() {
        let lines: String = (0..30)
            .map(|k| {
                let value = level + [-1, 0, 1][k % 3];
                format!("{}.0 RSSI return value: {value}\n", 1_781_514_000 + k)
            })
            .collect();
        let path = dir.join(format!("spot{index}.log"));
        std::fs::write(&path, lines).expect("written");
        args.push(format!("{}@{distance_m}", path.display()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let fit = json(&args);
    assert_eq!(fit["quantity"], "relative");
    let [lo, hi] = interval(&fit["path_loss_exponent"]);
    assert!(lo < hi && (1.0..4.0).contains(&fit["path_loss_exponent"]["value"].as_f64().unwrap()));

    let mut trace = String::from("Bluetooth monitor ver 5.66\n");
    for (index, (distance_m, rssi)) in [(1.0, -60), (2.0, -66), (4.0, -71), (8.0, -79)]
        .iter()
        .flat_map(|spot| std::iter::repeat_n(*spot, 5))
        .enumerate()
    {
        let _ = distance_m;
        for (address, offset) in [("40:11:22:33:44:55", 0), ("C0:11:22:33:44:66", -20)] {
            trace.push_str(&format!(
                "> HCI Event: LE Meta Event (0x3e) plen 40      #{index} 2026-06-15 \
                 09:00:{:02}.000000\n        Entry 0\n          Address: {address} (Static)\n  \
                 RSSI: {} dBm (0x00)\n",
                index,
                rssi + offset + [-1, 0, 1][index % 3]
            ));
        }
    }
    let path = dir.join("trace.txt");
    std::fs::write(&path, trace).expect("written");
    let path = path.display().to_string();
    let (code, _, stderr) = run_text(&["calibrate", &format!("{path}@1")]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("choose one with --device: 40:11:22:33:44:55 (20 dbm)"), "{stderr}");
    // One file of one device at one distance: the exponent is held, and said so.
    let fit = json(&[
        "calibrate",
        &format!("{path}@1"),
        "--device",
        "40:11:22:33:44:55",
        "--tx-power-dbm",
        "-16",
        "--json",
    ]);
    assert_eq!(fit["quantity"], "dbm");
    assert!(fit["path_loss_exponent"]["ci95"].is_null());
    assert!(fit["path_loss_1m_db"]["value"].as_f64().is_some());
    assert!(fit["not_identifiable"][0].as_str().unwrap().starts_with("path_loss_exponent"));
}

#[test]
fn logs_are_bounded_per_invocation() {
    // At the bound the logs are read (and, all censored, refused for that); past it, not.
    let log = "tests/catalogue/calibrate/all_censored.csv";
    assert!(repo_root().join(log).exists());
    let mut args = vec!["calibrate"];
    args.extend(std::iter::repeat_n(log, 256));
    let (code, _, stderr) = run_text(&args);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("every reading is censored"), "at the bound: {stderr}");
    args.push(log);
    let (code, stdout, stderr) = run_text(&args);
    assert_eq!((code, stdout.as_str()), (Some(2), ""));
    assert_eq!(stderr, "error: at most 256 logs (CALIBRATE_LOGS_MAX)\n");
}

/// The example scan logs of each advertising format are read as dBm, with their missed scans
/// counted and the bystander of the bluetoothctl transcript left out by `--device`.
#[test]
fn the_example_scan_logs_are_read_as_advertising_dbm() {
    let cases: [(&[&str], u64, u64, u64); 3] = [
        (&["examples/calibrate/bleak-2m.log@2"], 24, 2, 1),
        (&["examples/calibrate/bluetoothctl-5m.txt@5", "--device", "5c:11:22:33:44:55"], 27, 0, 1),
        (
            &[
                "examples/calibrate/bleak-2m.log@2",
                "examples/calibrate/bluetoothctl-5m.txt@5",
                "--device",
                "5C:11:22:33:44:55",
            ],
            51,
            2,
            2,
        ),
    ];
    for (logs, total, missing, places) in cases {
        let args: Vec<&str> =
            ["calibrate"].into_iter().chain(logs.iter().copied()).chain(["--json"]).collect();
        let fit = json(&args);
        assert_eq!(fit["quantity"], "dbm", "{logs:?}");
        let readings = &fit["readings"];
        let got = [&readings["total"], &readings["missing"], &readings["places"]]
            .map(|v| v.as_u64().expect("a count"));
        assert_eq!(got, [total, missing, places], "{logs:?}");
    }
}
